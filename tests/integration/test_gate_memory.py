"""Gate rows remembered for the hot paths (gate/gates/memory.py, issue 20): check-ins and
bookings read their gate's row once, not per batch or request; a change to the gate is seen at
once in the process that made it and in any process the bus tells; and a row is read again
after its time in any case."""

from __future__ import annotations

from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.events import GateNoticeChanged
from gate.gates.memory import GateMemory
from gate.store.tables import Gate
from services.platform import Platform
from tests.apps import app_for
from tests.asgi import in_process_client
from tests.helpers import Api, admin, device, open_all_day, read, this_hour, unique_plate

GATE = "/api/v1/gates/tan-thanh"
RULES = {
    "service_cycle": "perishable:1,aeo:1,regular:5",
    "grace_early_minutes": 45,
    "grace_late_minutes": 60,
    "call_timeout_minutes": 10,
}


def _gate_rows_read(engine: AsyncEngine, by: str = "id") -> list[str]:
    """The statements that load a whole gate row by its ``by`` (id or code); not the code
    lookups of device keys."""
    loads: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        whole_row = "gates.grace_early_minutes" in statement and "FROM gates" in statement
        if whole_row and f"WHERE gates.{by} =" in statement:
            loads.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    return loads


async def test_check_ins_and_bookings_read_their_gate_once_and_see_its_changes_at_once(
    settings: Settings, bus: InMemoryEventBus
):
    app = app_for(settings, bus)
    platform: Platform = app.state.platform
    # Remembered for the whole test: on a loaded machine three check-ins can take longer than
    # the 5 s a row is kept, and the row read again then is the memory working, not failing.
    platform.gates.ttl_s = 3600
    async with in_process_client(app) as client:
        api = Api(client)
        await open_all_day(api, capacity=100)
        camera = await device(api)
        enterprise = await api.enterprise()
        by_id, by_code = _gate_rows_read(platform.engine), _gate_rows_read(platform.engine, "code")
        for _ in range(3):
            plate = unique_plate()
            answer = await client.post(f"{GATE}/checkins", json=read(plate), headers=camera)
            assert answer.status_code == 200, answer.text
        assert len(by_id) == 1  # the first batch's; the later batches' none
        by_code.clear()  # the first check-in's request looked the gate's id up by its code
        for _ in range(3):
            booked = await enterprise.book(this_hour(1))
            assert booked.status_code == 201, booked.text
        assert by_code == []  # the bookings look their gate up by its code: remembered

        changed = await client.put(f"{GATE}/yard-rules", json=RULES, headers=admin())
        assert changed.status_code == 200, changed.text
        gate_id = await platform.gate_id("tan-thanh")
        assert gate_id is not None
        async with platform.unit_of_work() as uow:
            assert (await platform.gates.by_id(uow, gate_id)).grace_early_minutes == 45


async def test_a_change_heard_from_another_process_is_read_afresh(settings: Settings, bus):
    app = app_for(settings, bus)
    platform: Platform = app.state.platform
    async with in_process_client(app) as client:
        await open_all_day(Api(client))
        gate_id = await platform.gate_id("tan-thanh")
        assert gate_id is not None
        async with platform.unit_of_work() as uow:
            assert (await platform.gates.by_id(uow, gate_id)).paused is False
        # Another process pauses the gate: the row changes under this one's memory...
        async with platform.unit_of_work() as uow:
            await uow.session.execute(update(Gate).where(Gate.id == gate_id).values(paused=True))
            await uow.commit()
        async with platform.unit_of_work() as uow:
            assert (await platform.gates.by_id(uow, gate_id)).paused is False
        # ... until the bus hands this process that process's event (gate/live/service.py).
        platform.gate_changed(GateNoticeChanged(gate="tan-thanh").payload())
        async with platform.unit_of_work() as uow:
            assert (await platform.gates.by_id(uow, gate_id)).paused is True


async def test_a_remembered_gate_is_read_again_after_its_time(settings: Settings, bus):
    app = app_for(settings, bus)
    platform: Platform = app.state.platform
    now = [0.0]
    memory = GateMemory(ttl_s=5, clock=lambda: now[0])
    async with in_process_client(app):
        by_id, by_code = _gate_rows_read(platform.engine), _gate_rows_read(platform.engine, "code")
        for moment in (0.0, 4.9, 5.0, 6.0):
            now[0] = moment
            async with platform.unit_of_work() as uow:
                assert (await memory.by_code(uow, "tan-thanh")).code == "tan-thanh"
        assert len(by_code) + len(by_id) == 2  # at 0 and at 5 s
