"""A real portfolio room for tests: uvicorn on a free loopback port in a thread, stopped after."""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

uvicorn = pytest.importorskip("uvicorn", reason="the web extra is not installed")
httpx = pytest.importorskip("httpx", reason="httpx is not installed")

import portfolio_opt as po  # noqa: E402

#: the owner's token of the test servers (as PORTFOLIO_OPT_TOKEN would give it)
TOKEN = "t0k3n-for-the-portfolio-room-tests"
#: a viewer's and an editor's tokens
VIEWER = "viewer-token-of-the-portfolio-room"
EDITOR = "editor-token-of-the-portfolio-room"


@dataclass
class Running:
    """A running room: its address, its app (the guard, with ``state``) and its owner's client."""

    url: str
    app: Any
    client: Any
    clients: list = dataclasses.field(default_factory=list)

    def as_(self, token: str | None = None, **headers: str) -> Any:
        """A client with ``token`` as Bearer (none: no token at all), closed with the room."""
        auth = {"authorization": f"Bearer {token}"} if token else {}
        client = httpx.Client(base_url=self.url, headers=auth | headers, timeout=60)
        self.clients.append(client)
        return client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def room(workbooks: list[str], db: str, **options: Any) -> Iterator[Running]:
    """The room with ``workbooks`` loaded, on 127.0.0.1, until the block ends."""
    tokens = {TOKEN: "approver", VIEWER: "viewer", EDITOR: "editor"}
    app = po.create_app(workbooks, tokens, db, **options)
    port = free_port()
    # a frontier still being traced does not hold the teardown
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the room did not start"
        time.sleep(0.02)
    url = f"http://127.0.0.1:{port}"
    running = Running(url, app, None)
    running.client = running.as_(TOKEN)
    try:
        yield running
    finally:
        for client in running.clients:
            client.close()
        server.should_exit = True
        thread.join(30)
        assert app.state.pool.idle(120), "a solve still runs after two minutes"
        app.state.scenarios.close()
