"""The test harness holds on a busy machine: no test picks a free port for a server to bind
later (another process can take it in between); servers get a socket bound first
(tests/e2e/server.py ``listening``, tests/asgi.py ``served``) or bind port 0 themselves."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
# Ways a port is chosen here and bound by a server later.
PORT_RACES = re.compile(
    r"free_port\(|GATE_PORT=|GATE_BOARDS_PORT=str\(|\"--port\",\s*str\(|--port \{"
)


def test_no_test_hands_a_server_a_port_to_bind_later():
    found = [
        f"{path.relative_to(TESTS)}:{number}: {line.strip()}"
        for path in sorted(TESTS.rglob("*.py"))
        if path != Path(__file__)
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if PORT_RACES.search(line)
    ]
    assert found == []
