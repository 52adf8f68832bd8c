"""The stored form of each kind of audited event, pinned byte for byte: a chain already written
must still verify after the code that builds its records changes (gate/store/audit_records.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gate.domain.accounts import RoleChanged
from gate.domain.audit import chain_entry
from gate.domain.events import (
    Actor,
    DispatchIssued,
    NoticeWithdrawn,
    TruckLeftYard,
    VehicleArrived,
    VehicleTransferred,
)
from gate.store.audit_records import AuditedEvent, chain_of, record_of, stored_row

AT = datetime(2026, 11, 29, 8, 30, 15, 123456, tzinfo=UTC)
OFFICER = Actor("officer", "u-7", "gate_operator")

# Each event's facts share a name with a field the builder sets, so the pin also shows that
# the event's own field wins over a fact of the same name.
EVENTS: dict[str, AuditedEvent] = {
    "booking": VehicleArrived(
        occurred_at=AT,
        booking_id="b-1",
        enterprise_id="e-1",
        gate="tan-thanh",
        gate_id="g-1",
        direction="import",
        slot_start="2026-11-29T08:00:00+07:00",
        from_status="booked",
        to_status="arrived",
        actor=OFFICER,
        reason="by hand",
        facts={"lane": "X1", "gate": "shadowed", "late": True},
    ),
    "dispatch": DispatchIssued(
        occurred_at=AT,
        subject_id="o-1",
        gate="tan-thanh",
        gate_id="g-1",
        direction="export",
        order_code="K7",
        booking_id="b-2",
        to_status="issued",
        actor=OFFICER,
        facts={"yard_id": "y-1", "deadline_at": "2026-11-29T09:00:00+07:00", "direction": "x"},
    ),
    "yard visit": TruckLeftYard(
        occurred_at=AT,
        visit_id="v-1",
        yard="km-3",
        yard_id="y-1",
        gate="tan-thanh",
        direction="import",
        booking_id=None,
        enterprise_id="e-9",
        queue_class="general",
        from_status="waiting",
        to_status="left",
        facts={"minutes": 42, "yard": "shadowed"},
    ),
    "notice": NoticeWithdrawn(
        occurred_at=AT,
        notice_id="n-1",
        gate="tan-thanh",
        gate_id="g-1",
        from_status="posted",
        to_status="withdrawn",
        actor=OFFICER,
        facts={"expires_at": "2026-11-30T01:00:00+00:00", "gate": "shadowed"},
    ),
    "vehicle": VehicleTransferred(
        occurred_at=AT,
        vehicle_id="veh-1",
        enterprise_id="e-2",
        actor=Actor("admin", "a-1"),
        reason="sold",
        facts={"from_holder_id": "e-1", "grants_revoked": 2, "holder_id": "shadowed"},
    ),
    "account": RoleChanged(
        occurred_at=AT,
        enterprise_id="e-3",
        subject_id="u-9",
        actor=Actor("enterprise", "u-1", "manager"),
        from_status="clerk",
        to_status="manager",
        facts={"enterprise_id": "shadowed"},
    ),
}

# The stored rows' columns, as the chains hold them, taken before the record builders were
# shared (a change here breaks every chain already written). The hash covers every column.
STORED: dict[str, tuple[str, str, str | None, str | None, str, str]] = {
    # kind: (subject_id, actor_kind, from_status, to_status, data, entry_hash)
    "booking": (
        "b-1",
        "officer",
        "booked",
        "arrived",
        '{"direction":"import","gate":"tan-thanh","lane":"X1","late":true,'
        '"slot_start":"2026-11-29T08:00:00+07:00"}',
        "f69e6226c4c5bf8eafca314fe63062269c9659a8aaa20ca834fe9e84d3707e4f",
    ),
    "dispatch": (
        "o-1",
        "officer",
        None,
        "issued",
        '{"booking_id":"b-2","deadline_at":"2026-11-29T09:00:00+07:00","direction":"export",'
        '"gate":"tan-thanh","order_code":"K7","yard_id":"y-1"}',
        "e08133404ea764f0d00fc48a7645432390d966593de2fe8ecb7dac791f66e147",
    ),
    "yard visit": (
        "v-1",
        "system",
        "waiting",
        "left",
        '{"booking_id":null,"direction":"import","gate":"tan-thanh","minutes":42,'
        '"queue_class":"general","yard":"km-3"}',
        "13e177b2a9a38dacd69a1461b8b9c450c2d803f7fda3342ef1c5f6586960527b",
    ),
    # Pinned when a gate's notices joined its chain (issue 16).
    "notice": (
        "n-1",
        "officer",
        "posted",
        "withdrawn",
        '{"expires_at":"2026-11-30T01:00:00+00:00","gate":"tan-thanh"}',
        "2207620d4096cd382eb56dc810efc658681672113c33ed4750f79be3bdaefaf6",
    ),
    "vehicle": (
        "veh-1",
        "admin",
        None,
        None,
        '{"from_holder_id":"e-1","grants_revoked":2,"holder_id":"e-2"}',
        "71d880b682561db52d5d243dd470bf9b9d5e54a8936546a2ffbf244998527153",
    ),
    # Issue 16: an enterprise's account, in the enterprise's chain (pinned when added).
    "account": (
        "u-9",
        "enterprise",
        "clerk",
        "manager",
        '{"enterprise_id":"e-3"}',
        "ff34334cc581f3d84d7531021c1c87324c68c577e72829e47a312271743ae137",
    ),
}


@pytest.mark.parametrize("kind", list(EVENTS))
def test_the_stored_form_of_each_audited_event_is_unchanged(kind: str):
    event = EVENTS[kind]
    row = stored_row(chain_entry(chain_of(event), None, record_of(event)))
    stored = (
        row["subject_id"],
        row["actor_kind"],
        row["from_status"],
        row["to_status"],
        row["data"],
        row["entry_hash"],
    )
    assert stored == STORED[kind]
    assert (row["occurred_at"], row["event"]) == (AT, event.name)
