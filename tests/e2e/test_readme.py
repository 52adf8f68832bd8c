"""The README's two commands work as written, and its tour runs against a fresh platform."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gate.fees.demo import DEMO_DECISION
from tests.e2e.server import ROOT, listening, running_platform

README = (ROOT / "README.md").read_text()
FLEET = "== the fleet tour"
ROAD = "== the road tour"
WEBHOOKS = "== the webhooks tour"


def _block(marker: str) -> str:
    match = re.search(rf"<!-- {marker} -->\s*```bash\n(.*?)```", README, re.S)
    assert match, f"README has no {marker} block"
    return match.group(1)


def _commands() -> list[str]:
    return [line.split("#")[0].strip() for line in _block("commands").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def served_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The README's first command, as written, on a socket bound for it (GATE_LISTEN_FD)
    and an empty data folder."""
    data_dir = tmp_path_factory.mktemp("gate-data")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GATE_") and key != "PYTEST_XDIST_WORKER"
    }
    env.update(GATE_DATA_DIR=str(data_dir))
    command = ["bash", "-c", f"exec {_commands()[0]}"]
    with running_platform(command, env, listening()) as base:
        yield base, data_dir


def test_the_first_command_serves_the_api_docs_and_the_seeded_gates(
    served_platform: tuple[str, Path],
):
    base, data_dir = served_platform
    assert httpx.get(f"{base}/schema/openapi.json").json()["info"]["title"]
    codes = {gate["code"] for gate in httpx.get(f"{base}/api/v1/gates").json()}
    assert codes == {"huu-nghi", "tan-thanh", "coc-nam", "chi-ma"}
    # The demo's fee schedule (scripts/serve passes --demo-fees), said not to be the council's.
    for code in codes:
        versions = httpx.get(f"{base}/api/v1/gates/{code}/fee-schedules").json()
        assert [v["decision"] for v in versions] == [DEMO_DECISION], code
    assert (data_dir / "admin-token").stat().st_mode & 0o077 == 0


def test_the_tour_runs_line_by_line_as_a_user_would_paste_it(served_platform: tuple[str, Path]):
    base, data_dir = served_platform
    # The fleet's and the road's tours go on from the first's variables: all run in one shell.
    script = "\n".join(
        [
            "set -euo pipefail",
            _block("tour"),
            f"echo '{FLEET}'",
            _block("tour-fleet"),
            f"echo '{ROAD}'",
            _block("tour-road"),
            f"echo '{WEBHOOKS}'",
            _block("tour-webhooks"),
        ]
    )
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        # The token is the embedded platform's file's, not one the shell may hold.
        env={
            **{k: v for k, v in os.environ.items() if k != "GATE_ADMIN_TOKEN"},
            "GATE": base,
            "GATE_DATA_DIR": str(data_dir),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    tour, rest = result.stdout.split(FLEET + "\n")
    fleet, rest = rest.split(ROAD + "\n")
    road, webhooks = rest.split(WEBHOOKS + "\n")
    lines = tour.splitlines()
    assert lines.pop(2) == "403"  # the ERP's booking key manages no keys
    assert lines[2:6] == ["booked", "/problems/plate-already-booked", lines[4], "cancelled"]
    assert lines[4].endswith("T11:00:00+07:00")
    assert lines[6] == "on_time place 1"
    # The fee fixed at booking, unpaid (the truck is not called), taken in cash with a receipt.
    assert lines[7:9] == ["due", "paid"]
    assert lines[9] == "12C-123.45"
    assert lines[10:14] == ["in_inspection", "in_inspection", "cleared", "exited"]
    history = [line.split()[:2] for line in lines[14:]]
    assert history[0] == ["booking.created", "booked"] and history[-1] == [
        "vehicle.exited",
        "exited",
    ]
    verified = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "gate"), "audit", "verify"],
        cwd=ROOT,
        env={**os.environ, "GATE_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verified.returncode == 0 and "every chain intact" in verified.stdout
    assert fleet.splitlines() == [
        "/problems/already-exists",  # １２Ｃ–１２３.４５ is the tour's 12C-123.45
        "/problems/invalid-plate",  # 桂A12O45: no O in a Chinese serial
        "/problems/vehicle-held-by-another",
        "replayed",  # one instant in UTC, then at +07:00
        "False",  # the grant revoked...
        "/problems/not-found",  # ...no new booking by the shipper
        "booked",  # ...the one made stands
        "on_time 29C-•••78 None",  # read by its trailer's plate
        "1 29C-456.78 12R-012.34",
        "/problems/event-id-reused",
        "on_time 桂A·•••45 桂A·•••45",  # the O read as 0: corrected, masked
        "needs_confirmation 桂A·•••55 None",
        "桂A·1Z355 ['桂A·12355', '桂A·1Z3S5']",  # by slot, then plate
        "on_time",  # checked in by hand
        "/problems/registration-mismatch",
        "29C-456.78",
        "422",
        "opens_at and closes_at are both 0: write 0 to 24 for round the clock; close a "
        "direction with hourly_capacity 0 or a closure",
    ]
    assert road.splitlines() == [
        "0",  # the new yard holds no truck
        "True",  # the operator paused the automatic dispatch
        "14C-246.80 waiting tan-thanh",  # the yard's clerk sees the truck the camera read
        "step_wait_in_yard",  # ... and so does the driver's page
        "cancelled",  # the order by hand withdrawn, with no body
        "step_go_to_gate open",  # dispatched again: the driver's page shows the order
        "en_route",  # out of the yard's exit
        "bai-dong-dang 0 50 0 True on the way 1",
        "on_time",  # at the gate, judged by its entry into the yard
        "['14C-246.80']",  # the order met
        "bai-dong-dang 0 50 0 True on the way 0",
    ]
    assert webhooks.splitlines() == [
        "whsec_",  # the secret, shown once
        "None",  # ... and never again
        "booked",
        "booking.created",  # in the endpoint's delivery log, from the outbox
        "[]",  # no channel for messages without SMTP, SMS or Zalo settings
    ]


def test_the_tour_takes_the_administrators_token_from_gate_admin_token_when_set(tmp_path: Path):
    """The production shape writes no admin-token file (GATE_ADMIN_TOKEN is set instead): the
    tour's first lines read the variable then, rather than fail on a missing file."""
    line = next(line for line in _block("tour").splitlines() if line.startswith("ADMIN="))
    result = subprocess.run(
        ["bash", "-c", f'set -euo pipefail\n{line}\necho "$ADMIN"'],
        env={
            **os.environ,
            "GATE_ADMIN_TOKEN": "from-the-environment",
            "GATE_DATA_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "from-the-environment"


def test_ci_runs_the_readmes_test_command():
    test_command = _commands()[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_command in ci
    assert (ROOT / test_command.split()[-1]).exists()
