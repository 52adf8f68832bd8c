"""Check-in judging in memory: each read of a batch gets an immutable verdict, one type per
outcome, and judging changes no booking (the service's later phases do)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from gate.checkins.answers import answer
from gate.checkins.judging import judge_batch
from gate.checkins.matching import Known
from gate.checkins.reads import DeviceEvent, Reader
from gate.checkins.verdicts import (
    AlreadyInYard,
    Arrives,
    Final,
    Judged,
    NeedsConfirmation,
    Refused,
    SameTruckAs,
    TooEarly,
    WalkIn,
    WalkInAdmitted,
    no_room,
    settle,
)
from gate.domain.checkin import CheckinOutcome, RefusalReason
from gate.domain.events import Actor
from gate.domain.plate_reads import fold
from gate.domain.queue import QueueClass
from gate.store.tables import Booking, Gate

SLOT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
GATE = Gate(id="gate-1", code="tan-thanh", grace_early_minutes=30, grace_late_minutes=60)
CAMERA = Reader("camera-1", "export", Actor("device", "camera-1", "lpr_camera"))
KIOSK = Reader("kiosk-1", None, Actor("device", "kiosk-1", "kiosk"))
IMPORT_CAMERA = Reader("camera-2", "import", Actor("device", "camera-2", "lpr_camera"))
_ids = iter(range(10_000))


def booking(plate: str = "12C12345", **fields: object) -> Booking:
    """A booked truck of GATE for SLOT, as the check-in would load it."""
    n = next(_ids)
    values: dict[str, object] = {
        "id": f"booking-{n}",
        "code": f"CODE{n:04d}",
        "enterprise_id": "enterprise-1",
        "gate_id": GATE.id,
        "direction": "export",
        "slot_id": "slot-8",
        "slot_start": SLOT,
        "plate": plate,
        "active_plate": plate,
        "trailer_plate": None,
        "active_trailer_plate": None,
        "status": "booked",
        "version": 1,
        "perishable": False,
    }
    values.update(fields)
    return Booking(**values)


def known(*bookings: Booking, aeo: frozenset[str] = frozenset(), fuzzy: bool = False) -> Known:
    by_plate = {b.active_plate: b for b in bookings if b.active_plate}
    by_plate |= {b.active_trailer_plate: b for b in bookings if b.active_trailer_plate}
    by_fold: dict[str, list[Booking]] = {}
    if fuzzy:
        for b in bookings:
            by_fold.setdefault(fold(b.plate), []).append(b)
    return Known({b.code: b for b in bookings}, by_plate, aeo, by_fold)


def seen(plate: str | None = None, at: datetime = SLOT, **fields: str) -> DeviceEvent:
    return DeviceEvent(f"event-{next(_ids)}", at, plate=plate, **fields)


def verdicts(loaded: Known, *reads: tuple[Reader, DeviceEvent]) -> list[Judged]:
    return judge_batch(GATE, list(reads), loaded)


@pytest.mark.parametrize(
    ("observed", "timing"),
    [
        (SLOT - timedelta(minutes=31), CheckinOutcome.EARLY),
        (SLOT - timedelta(minutes=30), CheckinOutcome.ON_TIME),
        (SLOT + timedelta(minutes=59), CheckinOutcome.ON_TIME),
        (SLOT + timedelta(minutes=60), CheckinOutcome.LATE),
    ],
)
def test_a_booked_truck_arrives_early_on_time_or_late_by_the_time_it_was_seen(
    observed: datetime, timing: CheckinOutcome
):
    truck = booking()
    (judged,) = verdicts(known(truck), (CAMERA, seen("12C-123.45", observed)))
    assert judged.verdict == Arrives(truck, timing, QueueClass.REGULAR)
    assert judged.verdict.behind is (timing is CheckinOutcome.LATE)


def test_perishable_cargo_queues_as_perishable_and_an_aeo_enterprises_truck_as_aeo():
    fruit, aeo, plain = booking("12C11111", perishable=True), booking("12C22222"), booking()
    aeo.enterprise_id = "enterprise-aeo"
    loaded = known(fruit, aeo, plain, aeo=frozenset({"enterprise-aeo"}))
    reads = [(CAMERA, seen(b.plate)) for b in (fruit, aeo, plain)]
    classes = [j.verdict.queue_class for j in verdicts(loaded, *reads)]
    assert classes == [QueueClass.PERISHABLE, QueueClass.AEO, QueueClass.REGULAR]


def test_a_truck_far_too_early_is_told_to_come_back():
    truck = booking()
    too_early = SLOT - timedelta(minutes=30) - timedelta(hours=6, seconds=1)
    (judged,) = verdicts(known(truck), (CAMERA, seen(truck.plate, too_early)))
    assert judged.verdict == TooEarly(truck)
    refused = answer(judged, judged.verdict, None)
    assert (refused.outcome, refused.refusal) == (CheckinOutcome.REFUSED, RefusalReason.TOO_EARLY)
    assert refused.booking_code == truck.code


@pytest.mark.parametrize(
    ("loaded", "reader", "event", "reason"),
    [
        (known(), KIOSK, seen(booking_code="NOSUCH"), RefusalReason.UNKNOWN_BOOKING_CODE),
        (known(), CAMERA, seen("??"), RefusalReason.UNREADABLE_PLATE),
        (known(booking(gate_id="gate-2")), CAMERA, seen("12C12345"), RefusalReason.WRONG_GATE),
        (known(booking()), IMPORT_CAMERA, seen("12C12345"), RefusalReason.WRONG_DIRECTION),
        (known(booking(status="cancelled")), CAMERA, seen("12C12345"), "booking_not_active"),
        (known(), CAMERA, seen("12R01234"), RefusalReason.TRAILER_WITHOUT_TRUCK),
        (known(), KIOSK, seen("29H12345"), RefusalReason.NO_DIRECTION_FOR_WALK_IN),
    ],
)
def test_reads_that_admit_nobody_are_refused_with_their_reason(
    loaded: Known, reader: Reader, event: DeviceEvent, reason: RefusalReason
):
    (judged,) = verdicts(loaded, (reader, event))
    assert isinstance(judged.verdict, Refused)
    assert judged.verdict.reason == reason
    assert judged.verdict.lapsed is None


def test_a_truck_without_booking_walks_in_for_its_hour_and_a_second_read_follows_the_first():
    at = SLOT + timedelta(minutes=42)
    first, again = verdicts(known(), (CAMERA, seen("29H-123.45", at)), (CAMERA, seen("29H12345")))
    assert first.verdict == WalkIn("29H12345", "export", SLOT)
    assert again.verdict == SameTruckAs(0)


def test_a_truck_past_its_no_show_deadline_lapses_and_comes_in_as_a_walk_in():
    truck = booking()
    deadline = SLOT + timedelta(minutes=60) + timedelta(hours=2)
    first, again = verdicts(
        known(truck), (CAMERA, seen(truck.plate, deadline)), (CAMERA, seen(truck.plate, deadline))
    )
    assert first.verdict == WalkIn(truck.plate, "export", deadline, lapsed=truck)
    assert again.verdict == SameTruckAs(0)  # the lapsed booking no longer names the truck


def test_a_booking_code_past_its_no_show_deadline_lapses_the_booking_and_is_refused():
    truck = booking()
    late = SLOT + timedelta(hours=4)
    first, again = verdicts(
        known(truck),
        (KIOSK, seen(booking_code=truck.code.lower(), at=late)),
        (KIOSK, seen(booking_code=truck.code, at=late)),
    )
    assert first.verdict == Refused(
        RefusalReason.BOOKING_NOT_ACTIVE, "the booking is no longer active", lapsed=truck
    )
    assert again.verdict == Refused(RefusalReason.BOOKING_NOT_ACTIVE, "the booking is no_show")


def test_a_truck_read_twice_in_a_batch_arrives_once_and_is_then_in_the_yard():
    truck, arrived = booking(), booking("12C67890", status="arrived")
    first, again, before = verdicts(
        known(truck, arrived),
        (CAMERA, seen(truck.plate)),
        (CAMERA, seen(truck.plate)),
        (CAMERA, seen(arrived.plate)),
    )
    assert isinstance(first.verdict, Arrives)
    assert again.verdict == AlreadyInYard(truck)
    assert before.verdict == AlreadyInYard(arrived)


def test_judging_changes_no_booking():
    on_time, lapsing = booking(), booking("12C67890", slot_start=SLOT - timedelta(hours=5))
    fields = ("status", "version", "arrived_at", "queue_class", "active_plate")
    before = [tuple(getattr(b, f) for f in fields) for b in (on_time, lapsing)]
    verdicts(known(on_time, lapsing), (CAMERA, seen(on_time.plate)), (CAMERA, seen(lapsing.plate)))
    assert [tuple(getattr(b, f) for f in fields) for b in (on_time, lapsing)] == before


def test_another_trailer_than_declared_is_admitted_and_flagged():
    truck = booking(trailer_plate="12R01234", active_trailer_plate="12R01234")
    (judged,) = verdicts(known(truck), (CAMERA, seen(truck.plate, trailer_plate="12R-099.99")))
    assert judged.verdict == Arrives(truck, CheckinOutcome.ON_TIME, QueueClass.REGULAR, "12R09999")


def test_a_misread_trailer_of_the_declared_one_is_no_mismatch():
    truck = booking(trailer_plate="12R01234", active_trailer_plate="12R01234")
    (judged,) = verdicts(known(truck), (CAMERA, seen(truck.plate, trailer_plate="12R-O12.34")))
    assert judged.verdict == Arrives(truck, CheckinOutcome.ON_TIME, QueueClass.REGULAR)


def test_a_walk_in_claims_its_trailer_unless_another_truck_holds_it():
    holder = booking(trailer_plate="12R01234", active_trailer_plate="12R01234")
    first, second, third = verdicts(
        known(holder),
        (CAMERA, seen("29H11111", trailer_plate="12R01234")),
        (CAMERA, seen("29H22222", trailer_plate="12R05678")),
        (CAMERA, seen("29H33333", trailer_plate="12R05678")),
    )
    assert [j.verdict.claims_trailer for j in (first, second, third)] == [False, True, False]


def test_a_read_fitting_several_expected_trucks_needs_an_officer_and_one_fitting_one_is_corrected():
    one, other, alone = booking("12C10345"), booking("12CI0345"), booking("29H88888")
    several, corrected = verdicts(
        known(one, other, alone, fuzzy=True),
        (CAMERA, seen("12CIO345")),
        (CAMERA, seen("29H8B888")),
    )
    assert several.verdict == NeedsConfirmation((one, other), "12C-•••45")
    assert several.corrected_from is None
    assert isinstance(corrected.verdict, Arrives) and corrected.verdict.booking is alone
    assert corrected.corrected_from == "29H-•••88"


def test_verdicts_cannot_be_changed():
    (judged,) = verdicts(known(booking()), (CAMERA, seen("12C12345")))
    with pytest.raises(dataclasses.FrozenInstanceError):
        judged.verdict.timing = CheckinOutcome.LATE
    with pytest.raises(dataclasses.FrozenInstanceError):
        judged.corrected_from = "12C-•••45"


@pytest.mark.parametrize(
    ("first", "reader", "expected"),
    [
        (WalkInAdmitted(booking("29H12345")), CAMERA, "in yard"),
        (AlreadyInYard(booking("29H12345")), KIOSK, "in yard"),
        (WalkInAdmitted(booking("29H12345")), IMPORT_CAMERA, RefusalReason.WRONG_DIRECTION),
        (no_room("29H12345", lapsed=booking()), CAMERA, RefusalReason.NO_ROOM_FOR_WALK_IN),
    ],
)
def test_a_second_read_of_a_walk_in_shares_the_fate_of_the_first(
    first: Final, reader: Reader, expected: object
):
    walk_in = Judged(CAMERA, seen("29H12345"), WalkIn("29H12345", "export", SLOT))
    again = Judged(reader, seen("29H12345"), SameTruckAs(0))
    _, final = settle([walk_in, again], {0: first})
    if expected == "in yard":
        assert final == AlreadyInYard(first.booking)
    else:
        assert isinstance(final, Refused) and final.reason == expected
        assert final.lapsed is None  # a lapse is the first read's, recorded once
