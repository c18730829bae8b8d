"""Who may talk to the portfolio room, and what every answer carries: tokens and roles, the CSRF
check, the body size limit and the security headers, as one ASGI middleware in front of the app.

Tokens. ``PORTFOLIO_OPT_TOKEN`` holds one or more tokens, comma-separated, each optionally with
a role: ``s3cret`` or ``s3cret:approver,r3ad:viewer``. A token without a role is the owner's and
may do everything. Without the variable the server makes one random 128-bit token and prints it
with its address. A request shows its token as ``Authorization: Bearer <token>``, or once as
``?token=<token>`` in the URL, which answers with a cookie (HttpOnly, SameSite=Strict) and sends
the browser on to the same address without the token. Without a valid token: 401 and nothing else.

Roles, lowest first: ``viewer`` (read, and what-ifs, which change nothing), ``editor`` (upload
workbooks, save scenarios), ``approver`` (approve a scenario as a period's plan of record).

CSRF. A browser sends the cookie on its own; so a POST that rests on the cookie must come from
the room's own page: its ``Origin`` is the server's own, or it carries ``X-CSRF`` equal to the
session's value (``GET /api/session``). A POST with a Bearer token is a program's, not a
browser's, and needs neither.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: the roles a token may carry, lowest first; each may do what those before it may
ROLES = ("viewer", "editor", "approver")
#: the role of a token given without one: the server's owner
OWNER = "approver"
#: the cookie that carries the token after ``?token=``
COOKIE = "portfolio_opt_token"
#: the fewest characters of a token a non-loopback server accepts: 128 bits of url-safe base64
#: (22 characters) or of hex (32); ours are 22 url-safe characters
MIN_TOKEN_URLSAFE = 22
MIN_TOKEN_HEX = 32
#: what every answer carries: no script or style but the app's own files, no framing, no sniffing
HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}


def new_token() -> str:
    """A random 128-bit token, url-safe (22 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).decode().rstrip("=")


def parse_tokens(text: str) -> dict[str, str]:
    """The tokens of ``PORTFOLIO_OPT_TOKEN`` and their roles: ``"a:viewer,b"`` -> ``{"a": "viewer", "b": OWNER}``.

    >>> parse_tokens("s3cret:editor, other")
    {'s3cret': 'editor', 'other': 'approver'}
    """
    tokens: dict[str, str] = {}
    for entry in text.split(","):
        token, _, role = entry.strip().partition(":")
        if not token:
            continue
        role = role.strip().lower() or OWNER
        if role not in ROLES:
            raise ValueError(f"the token role {role!r} is not one of {', '.join(ROLES)}")
        tokens[token] = role
    return tokens


def strong(token: str) -> bool:
    """True when ``token`` holds at least 128 bits: 32 hex digits, or 22 url-safe characters.

    >>> strong("0123456789abcdef0123456789abcdef"), strong("short"), strong(new_token())
    (True, False, True)
    """
    if all(c in "0123456789abcdefABCDEF" for c in token):
        return len(token) >= MIN_TOKEN_HEX
    return len(token) >= MIN_TOKEN_URLSAFE


def allows(role: str, needed: str) -> bool:
    """True when ``role`` may do what ``needed`` may."""
    return ROLES.index(role) >= ROLES.index(needed)


def csrf_value(token: str) -> str:
    """The session's CSRF value: derived from its token, so the server keeps no session table."""
    return hmac.new(token.encode(), b"portfolio-opt csrf", hashlib.sha256).hexdigest()[:32]


class Guard:
    """The middleware: security headers on every answer, then the token (401), the body size
    (413; a POST must say its length) and, for a POST resting on the cookie, the CSRF check (403)."""

    #: the app's state (its plans, pool and scenarios), reachable through the guard
    state: Any = None

    def __init__(self, app: ASGIApp, tokens: dict[str, str], max_body: int, max_upload: int):
        self.app, self.tokens, self.max_body, self.max_upload = app, tokens, max_body, max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.decode().lower() not in HEADERS]
                headers += [(k.encode(), v.encode()) for k, v in HEADERS.items()]
                if scope["path"].startswith("/api") or scope["path"] == "/openapi.json":
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self._guarded(scope, receive, secured)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        token, how = self._token(headers, query)
        if token is None:
            await _answer(send, 401, {"problems": [_problem("token", "no valid token", _TOKEN_FIX)]})
            return
        if how == "query":
            await _with_cookie(scope, query, token, send)
            return
        scope.setdefault("state", {})
        scope["state"].update(role=self.tokens[token], csrf=csrf_value(token), bearer=how == "bearer")
        if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            if how == "cookie" and not _same_origin(headers, token):
                fix = "Send state-changing requests from the room's own page (or with X-CSRF from GET /api/session)"
                await _answer(send, 403, {"problems": [_problem("Origin", "cross-site request refused", fix)]})
                return
            limit = self.max_upload if _uploads(scope["path"]) else self.max_body
            size = headers.get("content-length", "")
            # a body of unknown length could grow without end: the page and every client send one
            # (and the server refuses a body longer than it says)
            if not size.isdigit() or int(size) > limit:
                await _too_big(send, limit)
                return
        await self.app(scope, receive, send)

    def _token(self, headers: dict[str, str], query: dict[str, str]) -> tuple[str | None, str]:
        """The valid token a request shows and how (``bearer``, ``query``, ``cookie``), or None."""
        auth = headers.get("authorization", "")
        candidates = []
        if auth.lower().startswith("bearer "):
            candidates.append((auth[7:].strip(), "bearer"))
        if "token" in query:
            candidates.append((query["token"], "query"))
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header is no token
            cookie = SimpleCookie()
        if COOKIE in cookie:
            candidates.append((cookie[COOKIE].value, "cookie"))
        for shown, how in candidates:
            for token in self.tokens:
                if hmac.compare_digest(shown.encode(), token.encode()):
                    return token, how
        return None, ""


_TOKEN_FIX = "Open the address the server printed (it carries ?token=), or send Authorization: Bearer <token>"


def _uploads(path: str) -> bool:
    """True for a route that takes a workbook (a plan, or a hand-made plan to compare)."""
    return path == "/api/plans" or (path.startswith("/api/plans/") and path.endswith("/compare/upload"))


def _problem(where: str, message: str, fix: str) -> dict[str, str]:
    return {"where": where, "message": message, "fix": fix}


def _same_origin(headers: dict[str, str], token: str) -> bool:
    """True when a cookie-borne POST comes from the room's own page: its Origin is this server's,
    or its X-CSRF header is the session's value."""
    csrf = headers.get("x-csrf")
    if csrf is not None and hmac.compare_digest(csrf.encode(), csrf_value(token).encode()):
        return True
    origin, host = headers.get("origin"), headers.get("host")
    return origin is not None and host is not None and origin in (f"http://{host}", f"https://{host}")


async def _with_cookie(scope: Scope, query: dict[str, str], token: str, send: Send) -> None:
    """Answer ``?token=``: the cookie set, and the browser sent on to the address without the token."""
    rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
    location = scope["path"] + (f"?{rest}" if rest else "")
    cookie = f"{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [(b"location", location.encode()), (b"set-cookie", cookie.encode()), (b"content-length", b"0")],
        }
    )
    await send({"type": "http.response.body", "body": b""})


async def _too_big(send: Send, limit: int) -> None:
    fix = f"Send at most {limit:,} bytes (a planning workbook is a few MB at most)"
    await _answer(send, 413, {"problems": [_problem("body", "the request is too large", fix)]})


async def _answer(send: Send, status: int, data: dict[str, Any]) -> None:
    body = json.dumps(data).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
