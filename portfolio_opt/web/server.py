"""Start the portfolio room: :func:`serve` checks the address and the tokens, prints the address
with the token, opens the browser and runs the app under uvicorn until Ctrl-C."""

from __future__ import annotations

import ipaddress
import os
import threading
import webbrowser
from collections.abc import Callable, Sequence

from portfolio_opt.web import security

#: the environment variable holding the server's tokens (see :mod:`portfolio_opt.web.security`)
TOKEN_VARIABLE = "PORTFOLIO_OPT_TOKEN"
#: the extra the room needs, and how to install it
INSTALL = 'python -m pip install "portfolio-opt[web]"'


def loopback(host: str) -> bool:
    """True when ``host`` is this machine only (127.0.0.1, ::1, localhost).

    >>> loopback("127.0.0.1"), loopback("localhost"), loopback("0.0.0.0")
    (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def tokens_for(host: str, environ: dict[str, str] | None = None) -> tuple[dict[str, str], str]:
    """The tokens the server lets in (token -> role) and the one its printed address carries.

    From ``PORTFOLIO_OPT_TOKEN`` when set, else one random 128-bit owner's token. A server
    listening beyond this machine refuses (ValueError) to start with a token under 128 bits.
    """
    text = (environ if environ is not None else dict(os.environ)).get(TOKEN_VARIABLE, "")
    tokens = security.parse_tokens(text) if text.strip() else {security.new_token(): security.OWNER}
    if not loopback(host):
        weak = [t for t in tokens if not security.strong(t)]
        if weak:
            raise ValueError(
                f"--host {host} listens beyond this machine, and {TOKEN_VARIABLE} holds a token under 128 bits: "
                f"set it to at least {security.MIN_TOKEN_URLSAFE} url-safe characters or "
                f'{security.MIN_TOKEN_HEX} hex digits (python -c "import secrets; print(secrets.token_urlsafe(16))")'
            )
    owner = next((t for t, role in tokens.items() if role == security.OWNER), next(iter(tokens)))
    return tokens, owner


def serve(
    workbooks: Sequence[str] = (),
    host: str = "127.0.0.1",
    port: int = 8765,
    db: str | None = None,
    open_browser: bool = True,
    say: Callable[[str], None] = print,
) -> None:
    """Run the portfolio room on ``host``:``port`` with ``workbooks`` loaded, until Ctrl-C.

    Raises :class:`~portfolio_opt.Unavailable` when the ``web`` extra is missing, ValueError for
    a token too weak for the address, and what :func:`~portfolio_opt.read_plan` raises for a workbook.
    """
    try:
        import uvicorn

        from portfolio_opt.web.app import create_app
    except ImportError as exc:
        from portfolio_opt import Unavailable

        raise Unavailable(f"the web room needs the 'web' extra ({exc.name} is missing): {INSTALL}") from None
    tokens, token = tokens_for(host)
    app = create_app(list(workbooks), tokens, db)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/?token={token}"
    say(f"The portfolio room is at {url}")
    say("Ctrl-C stops it.")
    if open_browser:
        threading.Timer(1.0, webbrowser.open, (url,)).start()
    # Ctrl-C stops it within seconds even while a long solve or frontier is being answered
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False, timeout_graceful_shutdown=3)
