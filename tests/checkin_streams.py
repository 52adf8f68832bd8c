"""Random streams of device events for a gate set up with known trucks: what the cameras and
kiosks of a busy gate send, replays and reused event ids included.

An event reads a booked truck's plate (as registered, or misread with the letters a camera
takes for digits: gate/domain/plate_reads.py), its trailer's plate, its booking code, a
walk-in's plate (a truck nobody booked, some with a trailer), a read that fits two booked
trucks, or nothing readable; or it is an earlier event sent again (a replay), or an earlier
event's id with another time (``EventIdReused``). Each new event has an observed time of its
own, a few seconds to forty minutes before the stream's start or in a backlog hour long past
(where a lapsed booking gives its place back), in and out of order: two
trucks that arrive in the same second would be queued by their ids, which a walk-in draws at
random, so such ties are left out (a legitimate difference, not the batch's).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import pairwise

from hypothesis import strategies as st

from gate.checkins.reads import DeviceEvent
from gate.domain.plate_reads import CONFUSABLE

# Trucks nobody booked, a few so that one is read twice; trailers a walk-in may pull.
WALK_IN_PLATES = ("29H-555.01", "29H-555.02", "29H-555.03", "29H-555.04", "29H-555.05")
WALK_IN_TRAILERS = ("29R-011.11", "29R-011.12")
UNREADABLE = ("???", "12")


@dataclass(frozen=True)
class Truck:
    """A booked truck of the gate under test, as the tests know it."""

    plate: str
    code: str
    trailer: str | None = None
    id: str = ""


@dataclass(frozen=True)
class Sent:
    """One event of a stream: which device (index into the gate's devices) sent it."""

    device: int
    event: DeviceEvent


@st.composite
def misread(draw: st.DrawFn, plate: str) -> str:
    """``plate`` as a camera may read it: some digits as the letters that look like them."""
    return "".join(
        draw(st.sampled_from(CONFUSABLE[c])) if c in CONFUSABLE and draw(st.booleans()) else c
        for c in plate
    )


def reads_of(trucks: list[Truck], ambiguous: list[str]) -> st.SearchStrategy[dict[str, str | None]]:
    """What one new event shows: a plate (and maybe a trailer) or a booking code."""
    plates = st.sampled_from([t.plate for t in trucks])
    trailers = [t.trailer for t in trucks if t.trailer is not None]
    codes = st.sampled_from([t.code for t in trucks])
    return st.one_of(
        st.fixed_dictionaries({"plate": plates}),
        st.fixed_dictionaries({"plate": plates.flatmap(misread)}),
        st.fixed_dictionaries({"plate": st.sampled_from(trailers)}),
        st.fixed_dictionaries(
            {"plate": plates, "trailer_plate": st.sampled_from([*trailers, *WALK_IN_TRAILERS])}
        ),
        st.fixed_dictionaries({"booking_code": codes}),
        st.fixed_dictionaries({"booking_code": codes.map(lambda c: c.lower())}),
        st.fixed_dictionaries({"plate": st.sampled_from(WALK_IN_PLATES)}),
        st.fixed_dictionaries(
            {
                "plate": st.sampled_from(WALK_IN_PLATES),
                "trailer_plate": st.sampled_from(WALK_IN_TRAILERS),
            }
        ),
        st.fixed_dictionaries({"plate": st.sampled_from(WALK_IN_TRAILERS)}),
        st.fixed_dictionaries({"plate": st.sampled_from(WALK_IN_PLATES).flatmap(misread)}),
        st.fixed_dictionaries({"plate": st.sampled_from([*ambiguous, *UNREADABLE])}),
    )


@st.composite
def streams(
    draw: st.DrawFn,
    trucks: list[Truck],
    ambiguous: list[str],
    devices: int,
    start: datetime,
    backlog: datetime,
    max_size: int = 24,
) -> list[Sent]:
    """A stream of events sent to the gate by ``devices`` devices, in the order they arrive;
    about one in five observed in the hour starting at ``backlog`` (a device's backlog sent
    late), the others in the forty minutes before ``start``."""
    size = draw(st.integers(1, max_size))
    seconds = draw(st.lists(st.integers(1, 2400), min_size=size, max_size=size, unique=True))
    sent: list[Sent] = []
    for n in range(size):
        kind = draw(st.sampled_from(["new"] * 6 + ["replay", "reuse"]) if sent else st.just("new"))
        if kind == "new":
            what = draw(reads_of(trucks, ambiguous))
            late = draw(st.integers(0, 4)) == 0
            observed = (
                backlog + timedelta(seconds=seconds[n])
                if late
                else start - timedelta(seconds=seconds[n])
            )
            event = DeviceEvent(f"e{n}", observed, **what)
            sent.append(Sent(draw(st.integers(0, devices - 1)), event))
            continue
        earlier = draw(st.sampled_from(sent))
        if kind == "replay":
            sent.append(earlier)
        else:
            moved = earlier.event.observed_at - timedelta(seconds=seconds[n])
            sent.append(Sent(earlier.device, replace(earlier.event, observed_at=moved)))
    return sent


@st.composite
def cuts(draw: st.DrawFn, size: int) -> list[tuple[int, int]]:
    """The stream's events 0..size cut into consecutive batches: (start, end) of each."""
    inner = draw(st.sets(st.integers(1, size - 1), max_size=size - 1)) if size > 1 else set()
    edges = [0, *sorted(inner), size]
    return list(pairwise(edges))
