"""Running the platform as a real process for end-to-end tests.

Ports are never picked and then bound later by the server (another process may take the
port in between, which happens on a busy machine): the test binds a socket first, with
``listening()``, and the server process inherits it (GATE_LISTEN_FD, GATE_BOARDS_FD).
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def listening() -> socket.socket:
    """A socket bound to a port of 127.0.0.1 the kernel chose, listening: connections wait in
    its backlog until the server that inherits it accepts them."""
    listener = socket.socket()
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
    except OSError:
        listener.close()
        raise
    return listener


def port_of(listener: socket.socket) -> int:
    return int(listener.getsockname()[1])


@contextmanager
def running_platform(
    command: list[str],
    env: dict[str, str],
    listener: socket.socket,
    ready_within: float = 180,
    output: Path | None = None,
    boards: socket.socket | None = None,
) -> Iterator[str]:
    """Start ``command`` (``gate serve`` or what execs it) serving on ``listener`` (and the
    boards' server on ``boards``, when given), wait until /health/ready answers 200, yield
    the base URL, and stop the whole process group afterwards. The process takes
    ``listener`` over: this one closes its copy once the process started, so the port is
    refused again when the process has gone; ``boards`` stays the caller's (several
    processes may share it). Its stdout and stderr go to ``output`` when given (complete once
    the context has exited), else to a temporary file."""
    env = {**env, "GATE_LISTEN_FD": str(listener.fileno())}
    handed = [listener.fileno()]
    if boards is not None:
        env["GATE_BOARDS_FD"] = str(boards.fileno())
        handed.append(boards.fileno())
    port = port_of(listener)
    # Output goes to a file, not a pipe: a busy server would fill a pipe nobody reads and
    # block on its own log lines.
    log = (  # closed in the finally below
        output.open("w+") if output else tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
    )
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        pass_fds=handed,  # at the same numbers in the process
    )
    listener.close()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if process.poll() is not None:
                log.seek(0)
                pytest.fail(f"{command} exited early:\n{log.read()[-5000:]}")
            try:
                if httpx.get(f"{base}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail(f"{command} did not become ready in {ready_within} s")
        yield base
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)
        log.seek(0)
        print(log.read()[-5000:])
        log.close()
