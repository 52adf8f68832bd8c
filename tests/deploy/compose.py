"""compose.yaml without a container engine: its services as local processes, with the compose
file's own commands, environment, health checks and proxy configuration.

What a container would give and a local process cannot is translated, and only that:

* service names: ``postgres:5432`` and ``redis:6379`` in a URL become the test's own
  PostgreSQL and Redis (on Unix sockets in a temporary folder, tests/own_services.py);
  ``server <service>:<port>`` in the proxy's upstreams becomes one line per replica, at the
  port the test bound for that replica;
* addresses: every platform replica serves on a socket the test bound on 127.0.0.1 and hands
  on (GATE_LISTEN_FD, and GATE_BOARDS_FD where the service sets GATE_BOARDS_PORT), with
  GATE_PORT saying which port (the health check reads it); ``0.0.0.0`` and ``auto`` (a
  container's own address, GATE_PIPELINE_HOST) are 127.0.0.1;
* volumes: a named volume is a folder of the test's, and an environment value that names a
  path inside a mount names that path in the folder; the proxy's bind mounts are read
  from the checkout, its templates filled in as the nginx image's entrypoint fills them;
* ``$PATH``: the virtual environment's ``bin`` first, where the image has ``gate`` and
  ``python``.

Interpolation (``${NAME:-default}`` and the like) follows the Compose Specification, with
the variables the caller gives as the shell and ``.env`` would.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
import yaml

from tests.own_services import OwnPostgres, OwnRedis

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "compose.yaml"
BIN = Path(sys.executable).parent

_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


def interpolate(value: str, variables: Mapping[str, str]) -> str:
    """``value`` with ``$NAME``, ``${NAME}``, ``${NAME:-default}``, ``${NAME-default}``,
    ``${NAME:?error}``, ``${NAME:+other}`` and ``$$`` as Compose interpolates them; a
    ``?`` whose variable is missing fails the test with its message, as compose stops."""

    def one(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["bare"]
        op, arg = match["op"], match["arg"] or ""
        given = variables.get(name)
        empty = given is None or (given == "" and op is not None and op.startswith(":"))
        if op in (":-", "-"):
            return arg if empty else str(given)
        if op in (":?", "?"):
            if empty:
                pytest.fail(f"compose would stop: {name}: {arg}")
            return str(given)
        if op in (":+", "+"):
            return "" if empty else arg
        return given or ""

    return _VARIABLE.sub(one, value)


def _interpolated(node: Any, variables: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, variables)
    if isinstance(node, list):
        return [_interpolated(each, variables) for each in node]
    if isinstance(node, dict):
        return {key: _interpolated(each, variables) for key, each in node.items()}
    return node


def load(variables: Mapping[str, str]) -> dict[str, Any]:
    """compose.yaml as compose reads it (YAML merge keys resolved), interpolated."""
    document = yaml.safe_load(COMPOSE_FILE.read_text())
    return dict(_interpolated(document, variables))


def listening() -> socket.socket:
    """A socket bound to a port of 127.0.0.1 the kernel chose, listening."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(512)
    return listener


def wait_until(condition: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {within} s")
        time.sleep(0.1)


@dataclass
class Replica:
    """One running replica of a service: its process (a group of its own), its output file,
    and the host port of each container port it serves."""

    service: str
    process: subprocess.Popen[bytes]
    output: Path
    ports: dict[int, int] = field(default_factory=dict)

    def stop(self, sig: int = signal.SIGTERM, within: float = 30) -> None:
        """Stop it as ``docker compose stop`` does: SIGTERM to the group, SIGKILL after."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


class LocalCompose:
    """compose.yaml's services started as local processes in ``folder``."""

    def __init__(
        self,
        compose: dict[str, Any],
        folder: Path,
        endpoints: Mapping[str, Callable[[str], str]],
    ) -> None:
        """``endpoints``: for a ``service:port`` a URL of the compose file names, what
        makes the URL point at the test's own instance (given the URL, the new URL)."""
        self.compose = compose
        self.folder = folder
        self.endpoints = endpoints
        self.replicas: list[Replica] = []
        self.leftovers: list[Path] = []  # folders outside ``folder``, removed by stop_all

    def service(self, name: str) -> dict[str, Any]:
        return dict(self.compose["services"][name])

    def _mounts(self, name: str) -> dict[str, Path]:
        """Each mount's target in the container and its folder or file here."""
        mounts = {}
        for volume in self.service(name).get("volumes", []):
            source, target = volume.split(":")[:2]
            if source.startswith(("./", "/")):
                mounts[target] = (ROOT / source).resolve()
            else:
                mounts[target] = self.folder / "volumes" / source
                mounts[target].mkdir(parents=True, exist_ok=True)
        return mounts

    def _translated(self, value: str, mounts: Mapping[str, Path]) -> str:
        for endpoint, translate in self.endpoints.items():
            if "://" in value and urlsplit(value).netloc.rpartition("@")[2] == endpoint:
                return translate(value)
        for target, here in mounts.items():
            if value == target or value.startswith(target + "/"):
                return str(here) + value[len(target) :]
        return {"0.0.0.0": "127.0.0.1", "auto": "127.0.0.1"}.get(value, value)

    def environment(self, name: str) -> dict[str, str]:
        """The service's environment as its process gets it here."""
        declared = self.service(name).get("environment") or {}
        mounts = self._mounts(name)
        env = {k: v for k, v in os.environ.items() if not k.startswith("GATE_")}
        env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
        for key, value in declared.items():
            env[key] = self._translated("" if value is None else str(value), mounts)
        return env

    def command(self, name: str) -> list[str]:
        command = self.service(name)["command"]
        return shlex.split(command) if isinstance(command, str) else [str(c) for c in command]

    def run_once(self, name: str, within: float = 180) -> None:
        """A one-shot service (the migration): run to completion; fail on a non-zero exit."""
        done = subprocess.run(
            self.command(name),
            env=self.environment(name),
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=within,
        )
        if done.returncode != 0:
            pytest.fail(f"{name} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")

    def start(self, name: str, within: float = 120) -> Replica:
        """One more replica of ``name``, serving on sockets bound here; returns once the
        service's own health check passes."""
        env = self.environment(name)
        listener = listening()
        handed = [listener]
        ports = {int(env["GATE_PORT"]): listener.getsockname()[1]}
        env["GATE_LISTEN_FD"] = str(listener.fileno())
        env["GATE_PORT"] = str(listener.getsockname()[1])
        if "GATE_BOARDS_PORT" in env:
            boards = listening()
            handed.append(boards)
            env["GATE_BOARDS_FD"] = str(boards.fileno())
            ports[int(env["GATE_BOARDS_PORT"])] = boards.getsockname()[1]
        index = sum(1 for r in self.replicas if r.service == name) + 1
        output = self.folder / f"{name}-{index}.log"
        with output.open("wb") as log:
            process = subprocess.Popen(
                self.command(name),
                env=env,
                cwd=self.folder,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                pass_fds=[each.fileno() for each in handed],
            )
        for each in handed:
            each.close()  # the process holds them now
        replica = Replica(name, process, output, ports)
        self.replicas.append(replica)
        self._wait_healthy(name, replica, env, within)
        return replica

    def _wait_healthy(
        self, name: str, replica: Replica, env: dict[str, str], within: float
    ) -> None:
        test = self.service(name).get("healthcheck", {}).get("test")
        assert test and test[0] == "CMD", f"{name}: a CMD health check is expected"
        deadline = time.monotonic() + within
        while True:
            if replica.process.poll() is not None:
                pytest.fail(f"{name} exited early:\n{replica.output.read_text()[-5000:]}")
            probe = subprocess.run(test[1:], env=env, capture_output=True, timeout=30)
            if probe.returncode == 0:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"{name} not healthy within {within} s:\n{replica.output.read_text()}")
            time.sleep(0.3)

    def upstream_ports(self, service: str, port: int) -> list[int]:
        """The local ports of each running replica of ``service`` for its container ``port``."""
        return [
            r.ports[port]
            for r in self.replicas
            if r.service == service and r.process.poll() is None and port in r.ports
        ]

    def stop_all(self) -> None:
        for replica in reversed(self.replicas):
            replica.stop()
        for path in self.leftovers:
            shutil.rmtree(path, ignore_errors=True)


def as_the_image_does(postgres: OwnPostgres, environment: Mapping[str, Any]) -> None:
    """What the postgres image makes on its first start: POSTGRES_USER with POSTGRES_PASSWORD,
    owning POSTGRES_DB."""

    async def make() -> None:
        connection = await asyncpg.connect(postgres.dsn())
        user, password = environment["POSTGRES_USER"], environment["POSTGRES_PASSWORD"]
        await connection.execute(f"CREATE ROLE \"{user}\" LOGIN PASSWORD '{password}'")
        await connection.execute(f'CREATE DATABASE "{environment["POSTGRES_DB"]}" OWNER "{user}"')
        await connection.close()

    asyncio.run(make())


def own_endpoints(postgres: OwnPostgres, redis: OwnRedis) -> dict[str, Callable[[str], str]]:
    """compose.yaml's ``postgres:5432`` and ``redis:6379`` as the test's own instances (their
    Unix sockets), the credentials, database and Redis database of each URL kept."""

    def to_postgres(url: str) -> str:
        parts = urlsplit(url)
        credentials = parts.netloc.rpartition("@")[0]
        return urlunsplit(
            (parts.scheme, f"{credentials}@", parts.path, f"host={postgres.folder}", "")
        )

    def to_redis(url: str) -> str:
        return f"unix://{redis.socket}?db={urlsplit(url).path.lstrip('/') or '0'}"

    return {"postgres:5432": to_postgres, "redis:6379": to_redis}
