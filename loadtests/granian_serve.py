"""``gate serve`` with granian in uvicorn's place, for the benchmark's comparison of the two
servers (loadtests/bench.py --servers, harness.platform(server="granian")): the command line
is the gate command's (``python loadtests/granian_serve.py serve --workers 2``).

Everything ``gate serve`` does before it serves (migrations, secrets, logging, the banner) is
its own; only its call of ``uvicorn.run`` is answered by granian (ASGI, HTTP/1, uvloop, the
same app factory and workers; the [bench] extra installs it). The boards' broadcast server
starts as under uvicorn, from the app's lifespan in each worker, on granian's event loop.

Both write a log line per request (the platform's logging, JSON, redacted). What uvicorn
carried that granian does not take here: services/server.py's guarded HTTP
protocol (header and body read timeouts, its own 503 with the security headers), the
websocket message size limit and the proxy headers (the benchmark's clients are 127.0.0.1).
uvicorn's ``limit_concurrency`` becomes granian's backpressure, both per worker.
"""

from __future__ import annotations

import sys

# This folder holds loadtests/profile.py, which would shadow the standard library's profile
# module: out of the path before anything else is imported.
sys.path.pop(0)

import runpy
from typing import Any


def run_with_granian(
    app: str,
    *,
    factory: bool = False,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    limit_concurrency: int | None = None,
    log_config: dict[str, Any] | None = None,
    **uvicorn_only: Any,
) -> None:
    """Serve ``app`` ("module:attribute") as ``uvicorn.run`` was asked to, with granian,
    until a signal stops it. ValueError for an inherited socket (``fd``), which granian's
    API does not take.

    The platform's ``log_config`` (gate/logs.py) sends uvicorn's loggers, its access log
    among them, through the root's JSON handler with the secrets redacted; granian's loggers
    go the same way and its access log is on, so both servers write a line per request."""
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces, Loops

    if uvicorn_only.get("fd") is not None:
        raise ValueError("granian serves a host and port, not an inherited socket (fd)")
    if log_config is not None:
        log_config = {**log_config, "loggers": dict(log_config.get("loggers", {}))}
        through_root = log_config["loggers"].get("uvicorn.access", {"propagate": True})
        for name in ("_granian", "granian.access"):
            log_config["loggers"][name] = through_root
    Granian(
        app,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        loop=Loops.uvloop,
        http=HTTPModes.http1,
        factory=factory,
        backpressure=limit_concurrency,
        log_dictconfig=log_config,
        log_access=log_config is not None,
    ).serve()


if __name__ == "__main__":
    # Granian's workers are fresh processes that import the app, not this file's main part.
    import uvicorn

    uvicorn.run = run_with_granian  # type: ignore[assignment]
    sys.argv = ["gate", *sys.argv[1:]]
    runpy.run_module("gate.cli", run_name="__main__", alter_sys=True)
