"""An HTTP client that runs the app in the test's own event loop, so that requests sent with
asyncio.gather really run concurrently (Litestar's AsyncTestClient serialises them through a
blocking portal on another thread)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from litestar import Litestar


@asynccontextmanager
async def in_process_client(app: Litestar, timeout: float = 60) -> AsyncIterator[httpx.AsyncClient]:
    """The app's lifespan is run as a server would run it, around the client's life."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    started, stopped = asyncio.Event(), asyncio.Event()
    failure: list[str] = []

    async def receive() -> dict[str, Any]:
        return await inbox.get()

    async def send(message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind.endswith(".failed"):
            failure.append(message.get("message", kind))
        if kind.startswith("lifespan.startup"):
            started.set()
        elif kind.startswith("lifespan.shutdown"):
            stopped.set()

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    lifespan = asyncio.create_task(app(scope, receive, send))  # type: ignore[arg-type]
    await inbox.put({"type": "lifespan.startup"})
    await started.wait()
    if failure:
        raise RuntimeError(f"app start-up failed: {failure}")
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://gate.test", timeout=timeout
        ) as client:
            yield client
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await stopped.wait()
        await lifespan


@asynccontextmanager
async def served(app: Litestar) -> AsyncIterator[str]:
    """The app behind a real uvicorn server in this event loop, for websocket clients;
    yields the base URL (http://127.0.0.1:PORT)."""
    import socket

    import uvicorn

    # Bound here and handed over: no window in which another process could take the port.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    # Idle keep-alive connections held for two minutes, not uvicorn's 5 s: a test's client
    # that reuses one just as the server closes it (a pause of about 5 s between two of its
    # requests: a browser starting on a loaded machine) gets a ReadError for a request the
    # server never read, and httpx does not retry a POST. Nothing here measures keep-alive.
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        timeout_keep_alive=120,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        listener.close()
