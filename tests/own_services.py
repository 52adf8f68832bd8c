"""A PostgreSQL and a Redis of a test's own, for the fault drills: stopped, frozen and started
again by the test, never the machine's (which other tests and other checkouts share).

Both listen on a Unix socket in a temporary folder only, so there is no port to pick and then
race another process for. PostgreSQL refuses to run as root; under root its programs run as
the ``postgres`` user, who then owns the cluster's folder.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

POSTGRES_BIN = Path(os.environ.get("GATE_TEST_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
# Generous: the machine is shared by several test runs at once.
START_WITHIN_S = 60


def wait_until(condition: Callable[[], bool], within: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail the test after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {within} s")
        time.sleep(0.05)


class OwnPostgres:
    """A throwaway cluster (initdb) listening on ``<folder>/.s.PGSQL.5432`` only."""

    def __init__(self) -> None:
        for program in ("initdb", "pg_ctl"):
            if not (POSTGRES_BIN / program).exists():
                pytest.skip(f"{POSTGRES_BIN / program} is not installed")
        self.folder = Path(tempfile.mkdtemp(prefix="gate-own-pg-"))
        self.data = self.folder / "data"
        self._user: str | None = "postgres" if os.geteuid() == 0 else None
        if self._user is not None:
            shutil.chown(self.folder, self._user, self._user)
        self._run(POSTGRES_BIN / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = ''\nunix_socket_directories = '{self.folder}'\n"
                "fsync = off\nshared_buffers = 16MB\nmax_connections = 40\n"
            )

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database``, reached through the socket folder."""
        return f"postgresql+asyncpg://postgres@/{database}?host={self.folder}"

    def dsn(self, database: str = "postgres") -> str:
        """The same for asyncpg and libpq."""
        return f"postgresql://postgres@/{database}?host={self.folder}"

    def start(self) -> None:
        self._run(
            POSTGRES_BIN / "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.folder / "log",
            "-w",
            "-t",
            str(START_WITHIN_S),
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(POSTGRES_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def promote(self) -> None:
        """A standby (started with ``standby.signal``) becomes a primary, without a restart."""
        self._run(POSTGRES_BIN / "pg_ctl", "-D", self.data, "-w", "promote")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(POSTGRES_BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, *command: str | Path) -> None:
        subprocess.run(
            [str(part) for part in command],
            check=True,
            user=self._user,
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )


class OwnRedis:
    """A redis-server on ``<folder>/redis.sock`` only (``port 0``: no TCP at all)."""

    def __init__(self) -> None:
        program = shutil.which("redis-server")
        if program is None:
            pytest.skip("redis-server is not installed")
        self.folder = Path(tempfile.mkdtemp(prefix="gate-own-redis-"))
        self.socket = self.folder / "redis.sock"
        self.process = subprocess.Popen(
            [
                program,
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.socket.exists, START_WITHIN_S, "redis-server listening")

    @property
    def url(self) -> str:
        return f"unix://{self.socket}?db=0"

    def freeze(self) -> None:
        """Stalled, not gone: its socket still accepts, nothing answers (SIGSTOP)."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def remove(self) -> None:
        self.process.send_signal(signal.SIGCONT)
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)
