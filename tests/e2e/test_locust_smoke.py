"""A short run of the Locust mix against a real platform: small numbers, a few seconds,
checking the invariants (not timings); and the invariant checks themselves catch breakage."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

from loadtests.invariants import check_boards, check_database
from tests.e2e.server import ROOT, listening, port_of, running_platform
from tests.services import outside_loop

GATE_BIN = str(Path(sys.executable).with_name("gate"))
LOCUST = str(Path(sys.executable).with_name("locust"))


def _env(data_dir: Path) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("GATE_")}
    env.update(GATE_DATA_DIR=str(data_dir), GATE_ADMIN_TOKEN="smoke-admin", GATE_SWEEP_SECONDS="0")
    return env


def test_the_locust_mix_runs_and_every_invariant_holds(tmp_path: Path):
    import subprocess

    listener, boards = listening(), listening()  # the viewers watch the boards' server
    boards_port = port_of(boards)
    env = _env(tmp_path / "data")
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'gate.db'}"
    with boards, running_platform([GATE_BIN, "serve"], env, listener, boards=boards) as base:
        run = subprocess.run(
            [
                LOCUST,
                "-f",
                "loadtests/locustfile.py",
                "--host",
                base,
                "--headless",
                "-u",
                "14",
                "-r",
                "14",
                "-t",
                "6s",
                "--only-summary",
                "--csv",
                str(tmp_path / "run"),
                "--admin-token",
                "smoke-admin",
                "--database-url",
                database_url,
                "--enterprises",
                "2",
                "--vehicles-each",
                "10",
                "--boards-url",
                f"ws://127.0.0.1:{boards_port}",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        output = run.stdout + run.stderr
        assert run.returncode == 0, output[:3000]
        assert "invariants: ok" in output
        assert "INVARIANT BROKEN" not in output
        assert (tmp_path / "run_stats.csv").exists()

        # The checks are not decorative: break the data and they say so.
        with sqlite3.connect(tmp_path / "data" / "gate.db") as db:
            db.execute(
                "UPDATE slots SET booked = capacity + 1 WHERE id = (SELECT id FROM slots LIMIT 1)"
            )
        problems = outside_loop(
            asyncio.run,
            check_database(database_url, {("gd_nosuchdevice_x", "lost-event"): "on_time"}),
        )
        assert any("more bookings than their capacity" in p for p in problems)
        assert any("acknowledged check-ins are not stored" in p for p in problems)
        assert check_boards(base, "tan-thanh", [{"gate": "not the truth"}]) != []
