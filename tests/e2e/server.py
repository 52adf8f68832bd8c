"""Running the platform as a real process for end-to-end tests."""

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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_platform(
    command: list[str],
    env: dict[str, str],
    port: int,
    ready_within: float = 180,
    output: Path | None = None,
) -> Iterator[str]:
    """Start ``command``, wait until /health/ready answers 200 on ``port``, yield the base URL,
    and stop the whole process group afterwards. Its stdout and stderr go to ``output`` when
    given (complete once the context has exited), else to a temporary file."""
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
    )
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
