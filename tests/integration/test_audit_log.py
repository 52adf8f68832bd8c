"""Every transition is in an append-only, hash-chained audit log; `gate audit verify` finds
any edited, deleted, inserted or reordered entry and names it."""

from __future__ import annotations

import contextlib
import io
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gate.cli import main
from gate.config import Settings
from gate.store.database import create_engine
from tests.helpers import Api, device, officer, open_all_day, read, this_hour
from tests.services import outside_loop

GATE = "/api/v1/gates/tan-thanh"


def _verify(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setenv("GATE_DATABASE_URL", settings.database_url)
    output = io.StringIO()

    def run() -> int:
        with contextlib.redirect_stdout(output):
            return main(["audit", "verify"])

    code = outside_loop(run)
    return code, output.getvalue()


async def _busy_day(api: Api) -> dict[str, Any]:
    """Bookings made, moved, cancelled; vehicles checked in, called, cleared, exited."""
    await open_all_day(api)
    enterprise = await api.enterprise()
    first = (await enterprise.book(this_hour())).json()
    second = (await enterprise.book(this_hour(1))).json()
    await api.client.post(
        f"/api/v1/bookings/{second['id']}/reschedule",
        json={"slot_start": this_hour(2).isoformat(), "version": 1},
        headers=enterprise.headers,
    )
    await api.client.post(
        f"/api/v1/bookings/{second['id']}/cancel", json={}, headers=enterprise.headers
    )
    await api.client.post(f"{GATE}/checkins", json=read(first["plate"]), headers=await device(api))
    operator = await officer(api, "gate_operator")
    await api.client.post(f"{GATE}/lanes/X1/call-next", headers=operator)
    await api.client.post(f"{GATE}/vehicles/{first['id']}/inspection", headers=operator)
    for agency in ("border_guard", "customs", "quarantine"):
        await api.client.post(
            f"{GATE}/vehicles/{first['id']}/decisions",
            json={"decision": "cleared"},
            headers=await officer(api, agency),
        )
    exited = await api.client.post(f"{GATE}/vehicles/{first['id']}/exit", headers=operator)
    assert exited.json()["vehicle"]["status"] == "exited"
    return {"enterprise": enterprise, "booking": first}


async def test_an_enterprise_reads_the_whole_history_of_its_vehicle(api: Api):
    day = await _busy_day(api)
    history = await api.client.get(
        f"/api/v1/bookings/{day['booking']['id']}/history", headers=day["enterprise"].headers
    )
    steps = [(h["event"], h["from_status"], h["to_status"]) for h in history.json()]
    assert steps == [
        ("booking.created", None, "booked"),
        ("vehicle.arrived", "booked", "arrived"),
        ("vehicle.called", "arrived", "called"),
        ("vehicle.inspection_started", "called", "in_inspection"),
        ("vehicle.clearance_decided", "in_inspection", "in_inspection"),
        ("vehicle.clearance_decided", "in_inspection", "in_inspection"),
        ("vehicle.clearance_decided", "in_inspection", "cleared"),
        ("vehicle.exited", "cleared", "exited"),
    ]
    actors = [(h["actor"], h["role"]) for h in history.json()]
    assert actors[1] == ("device", "lpr_camera")
    assert actors[2] == ("officer", "gate_operator")
    assert {a[1] for a in actors[4:7]} == {"border_guard", "customs", "quarantine"}


async def test_the_database_refuses_to_change_or_delete_audit_entries(api: Api, settings: Settings):
    await _busy_day(api)
    engine = create_engine(settings)
    try:
        for statement in ("UPDATE audit_log SET reason = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(DBAPIError, match="append-only"):
                async with engine.begin() as connection:
                    await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def _tamper(settings: Settings, statements: list[str]) -> None:
    """What someone with the database's owner rights could do: drop the guards and edit."""
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            else:
                await connection.execute(text("DROP TRIGGER audit_log_no_update"))
                await connection.execute(text("DROP TRIGGER audit_log_no_delete"))
            # The busy day's gate chain: the longest (its enterprises' keys have chains of
            # their own too, of an entry each).
            chain = (
                await connection.execute(
                    text("SELECT chain FROM audit_heads ORDER BY seq DESC LIMIT 1")
                )
            ).scalar_one()
            for statement in statements:
                await connection.execute(text(statement), {"chain": chain})
    finally:
        await engine.dispose()


COLUMNS = (
    "occurred_at, event, subject_id, actor_kind, actor_id, role, from_status, to_status, "
    "reason, data, prev_hash, entry_hash"
)
TAMPERING = {
    # what was done -> (statements, the entry verify must name)
    "an entry's reason edited": (
        ["UPDATE audit_log SET reason = 'paid to go first' WHERE chain = :chain AND seq = 5"],
        5,
    ),
    "an entry's time moved": (
        [
            "UPDATE audit_log SET occurred_at = occurred_at - INTERVAL '1 hour' "
            "WHERE chain = :chain AND seq = 4"
        ],
        4,
    ),
    "an entry deleted": (["DELETE FROM audit_log WHERE chain = :chain AND seq = 3"], 4),
    "an entry inserted": (
        [
            # Make room at seq 3 (from the top down, so the key never collides) and copy
            # entry 6 into the gap: a plausible-looking forged transition.
            *[
                f"UPDATE audit_log SET seq = seq + 1 WHERE chain = :chain AND seq = {seq}"
                for seq in range(13, 2, -1)
            ],
            f"INSERT INTO audit_log (chain, seq, {COLUMNS}) SELECT chain, 3, {COLUMNS} "
            "FROM audit_log WHERE chain = :chain AND seq = 7",
        ],
        3,
    ),
    "two entries swapped": (
        [
            "UPDATE audit_log SET seq = -1 WHERE chain = :chain AND seq = 2",
            "UPDATE audit_log SET seq = 2 WHERE chain = :chain AND seq = 3",
            "UPDATE audit_log SET seq = 3 WHERE chain = :chain AND seq = -1",
        ],
        2,
    ),
}


@pytest.mark.parametrize("tampering", list(TAMPERING))
async def test_verify_names_the_exact_entry_that_was_tampered_with(
    api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch, tampering: str
):
    await _busy_day(api)
    code, output = _verify(settings, monkeypatch)
    assert code == 0 and "every chain intact" in output, output

    statements, broken_at = TAMPERING[tampering]
    if settings.is_sqlite:
        statements = [
            s.replace("occurred_at - INTERVAL '1 hour'", "datetime(occurred_at, '-1 hour')")
            for s in statements
        ]
    await _tamper(settings, statements)

    code, output = _verify(settings, monkeypatch)
    assert code == 1
    assert f"at entry {broken_at}:" in output, output
