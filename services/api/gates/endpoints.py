"""Gates: public reads of gates and free places; the administrator's calendar changes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from gate.accounts.permissions import Action, at_gate, require
from gate.bookings import calendar_changes
from gate.domain.slots import Direction
from gate.domain.time import LOCAL_TZ, utc_now
from gate.gates import changes, service
from gate.gates.calendar import gate_by_code
from gate.store.unit_of_work import UnitOfWork
from services.api.gates.schemas import (
    Availability,
    CapacityChangeView,
    CapacityOverride,
    ClosureCreate,
    ClosureView,
    GateCreate,
    GateDetail,
    GateLocation,
    GateSummary,
    LaneCreate,
    LaneView,
    ScheduleUpdate,
    ScheduleView,
    SlotView,
    YardRulesView,
)
from services.common.caching import body_tag, matches, not_modified, polled, weak_tag
from services.common.contract import ADMIN, documented
from services.common.dependencies import Caller
from services.platform import Platform

_encoder = msgspec.json.Encoder()


class GateController(Controller):
    path = "/gates"
    tags = ["gates"]

    @get(
        operation_id="listGates",
        **documented(
            "List the gates",
            answer=(200, list[GateSummary], "Every gate (ETag; 304 when unchanged)"),
        ),
    )
    async def list_gates(
        self, request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]
    ) -> Response[bytes]:
        """Every gate of the platform, with its code, names and counterpart across the border
        (public). Its ETag is of the list itself: one small query, and no event tells of
        a gate added."""
        body = _encoder.encode([GateSummary.of(g) for g in await service.list_gates(uow)])
        etag = body_tag(body)
        return not_modified(etag) if matches(request, etag) else polled(body, etag)

    @get(
        "/{code:str}",
        operation_id="getGate",
        **documented("Read a gate", problems=["not-found"]),
    )
    async def get_gate(self, code: FromPath[str], uow: NamedDependency[UnitOfWork]) -> GateDetail:
        """A gate with its schedules and lanes (public)."""
        gate, directions, lanes = await service.gate_details(uow, code)
        return GateDetail(
            code=gate.code,
            name=gate.name,
            name_en=gate.name_en,
            name_zh=gate.name_zh,
            counterpart=gate.counterpart,
            province=gate.province,
            kind=gate.kind,
            latitude=gate.latitude,
            longitude=gate.longitude,
            timezone=str(LOCAL_TZ),
            grace_early_minutes=gate.grace_early_minutes,
            grace_late_minutes=gate.grace_late_minutes,
            schedules=[ScheduleView.of(d) for d in directions],
            lanes=[LaneView.of(lane) for lane in lanes],
        )

    @get(
        "/{code:str}/availability",
        operation_id="getAvailability",
        **documented(
            "Free places per hour",
            answer=(200, Availability, "The hours asked (ETag; 304 when unchanged)"),
            problems=["not-found"],
        ),
    )
    async def availability(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        platform: NamedDependency[Platform],
        direction: FromQuery[Direction | None] = None,
        from_: Annotated[datetime | None, QueryParameter(name="from")] = None,
        hours: Annotated[int, QueryParameter(ge=1, le=24 * 31)] = 48,
    ) -> Response[bytes]:
        """Capacity, booked and remaining places per hour (public); from now by default. An
        hour a booking would be refused (past, beyond the horizon, closed, full) has no
        remaining place and says why in ``refusal``. With a read replica, read there: a
        booking made a moment ago may not be counted yet (within GATE_REPLICA_MAX_LAG_S);
        the booking itself is decided on the primary.
        Its ETag names the version of the
        gate's places (gate/live/versions.py): sent back in ``If-None-Match``, it is
        answered 304, with no query, until a booking, a check-in or a calendar change of the
        gate, or the next minute."""
        etag = None
        gate_id = await platform.gate_id(code)
        if gate_id is not None:
            # Taken before the places are read: the answer is as new as its version, or newer.
            etag = weak_tag(f"a{platform.versions.of_gate(code, gate_id)}")
            if matches(request, etag):
                return not_modified(etag)
        directions = [direction] if direction else list(Direction)
        now = utc_now()
        start = from_ or now
        slots = await platform.reads.run(
            lambda uow: service.availability(
                uow, code, directions, start, hours, now=now, horizon=platform.horizon
            )
        )
        peak_hours = platform.settings.peak_hours
        views = [SlotView.of(s, peak_hours) for s in slots]
        return polled(_encoder.encode(Availability(code, views)), etag)

    @post(
        operation_id="createGate",
        **documented("Add a gate", credentials=[ADMIN], problems=["already-exists"]),
    )
    async def create_gate(
        self,
        data: JSONBody[GateCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> GateSummary:
        """Add a border gate (or port gate) with its opening hours and hourly capacity per
        direction. 409 when the code is taken."""
        require(principal, Action.MANAGE_GATES)
        new = service.NewGate(
            data.code,
            data.name,
            data.name_en,
            data.counterpart,
            data.province,
            data.kind,
            data.export_capacity,
            data.import_capacity,
            data.opens_at,
            data.closes_at,
            data.latitude,
            data.longitude,
            data.name_zh,
        )
        return GateSummary.of(await service.create_gate(uow, new))

    @put(
        "/{code:str}/location",
        operation_id="setGateLocation",
        **documented("Place a gate on the map", credentials=[ADMIN], problems=["not-found"]),
    )
    async def set_location(
        self,
        code: FromPath[str],
        data: JSONBody[GateLocation],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> GateLocation:
        """Where the gate's control yard is (WGS 84 degrees), from which the driver's page
        estimates a dispatched truck's arrival; both null take the gate off the map (no
        estimate then). 422 for one without the other (administrator)."""
        require(principal, Action.MANAGE_GATES)
        gate = await service.set_location(uow, code, data.latitude, data.longitude)
        return GateLocation(gate.latitude, gate.longitude)

    @put(
        "/{code:str}/schedules/{direction:str}",
        operation_id="setSchedule",
        **documented(
            "Set a direction's hours and capacity", credentials=[ADMIN], problems=["not-found"]
        ),
    )
    async def set_schedule(
        self,
        code: FromPath[str],
        direction: FromPath[Direction],
        data: JSONBody[ScheduleUpdate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
    ) -> ScheduleView:
        """Change a direction's opening hours and hourly capacity; future slots follow. Hours
        left with more bookings than places are rebooked at once (docs/architecture.md,
        "Fair rebooking"): the answer says how many bookings moved and were cancelled."""
        require(principal, Action.SET_SCHEDULES)
        hourly = (data.hourly_capacity, data.opens_at, data.closes_at)
        row, moves = await calendar_changes.set_schedule(
            uow, code, direction, hourly, utc_now(), platform.horizon, principal.actor
        )
        return ScheduleView.of(row, moves)

    @put(
        "/{code:str}/yard-rules",
        operation_id="setYardRules",
        **documented("Set a gate's yard rules", credentials=[ADMIN], problems=["not-found"]),
    )
    async def set_yard_rules(
        self,
        code: FromPath[str],
        data: JSONBody[YardRulesView],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> YardRulesView:
        """The queue's priority cycle (e.g. "perishable:1,aeo:1,regular:5"), the check-in
        grace windows and the call timeout of a gate (administrator)."""
        require(principal, Action.MANAGE_GATES)
        rules = service.YardRules(
            data.service_cycle,
            data.grace_early_minutes,
            data.grace_late_minutes,
            data.call_timeout_minutes,
        )
        gate = await service.set_yard_rules(uow, code, rules)
        return YardRulesView(
            gate.service_cycle,
            gate.grace_early_minutes,
            gate.grace_late_minutes,
            gate.call_timeout_minutes,
        )

    @post(
        "/{code:str}/capacity-overrides",
        operation_id="overrideSlotCapacity",
        status_code=200,
        **documented("Override one hour's capacity", credentials=[ADMIN], problems=["not-found"]),
    )
    async def override_capacity(
        self,
        code: FromPath[str],
        data: JSONBody[CapacityOverride],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
    ) -> CapacityChangeView:
        """Give one hour of a direction another capacity than its schedule's (on the hour).
        The answer says how many bookings the hour held (``booked``) and how many were above
        the new capacity (``above_capacity``); those are rebooked at once, the last booked
        first (docs/architecture.md, "Fair rebooking"): ``bookings_moved`` to later hours,
        ``bookings_cancelled`` for want of an acceptable hour with room."""
        gate = await gate_by_code(uow, code)
        require(principal, Action.OVERRIDE_CAPACITY, at_gate(gate.id))
        change, moves = await calendar_changes.set_slot_capacity(
            uow,
            code,
            data.direction,
            data.starts_at,
            data.capacity,
            now=utc_now(),
            horizon=platform.horizon,
            actor=principal.actor,
        )
        return CapacityChangeView.of(change, moves)

    @post(
        "/{code:str}/lanes",
        operation_id="addLane",
        **documented("Add a lane", credentials=[ADMIN], problems=["not-found", "already-exists"]),
    )
    async def add_lane(
        self,
        code: FromPath[str],
        data: JSONBody[LaneCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> LaneView:
        """Add a lane for one direction; it starts closed. 409 when the code is taken."""
        require(principal, Action.MANAGE_GATES)
        return LaneView.of(await service.add_lane(uow, code, data.code, data.direction))

    @get(
        "/{code:str}/closures",
        operation_id="listClosures",
        **documented("List a gate's closures", problems=["not-found"]),
    )
    async def list_closures(
        self, code: FromPath[str], uow: NamedDependency[UnitOfWork]
    ) -> list[ClosureView]:
        """Closures now and ahead (public: drivers plan around them)."""
        return [ClosureView.of(c) for c in await changes.list_closures(uow, code, utc_now())]

    @post(
        "/{code:str}/closures",
        operation_id="addClosure",
        **documented("Close a gate for a time", credentials=[ADMIN], problems=["not-found"]),
    )
    async def add_closure(
        self,
        code: FromPath[str],
        data: JSONBody[ClosureCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
    ) -> ClosureView:
        """Close a gate (one direction or both) from ``starts_at`` to ``ends_at`` with a
        reason shown to the public (a holiday, the other side's closure). Its hours'
        bookings are rebooked at once (the answer's ``bookings_moved`` and
        ``bookings_cancelled``; docs/architecture.md, "Fair rebooking")."""
        require(principal, Action.CLOSE_HOURS)
        closure, moves = await calendar_changes.add_closure(
            uow,
            code,
            data.direction,
            (data.starts_at, data.ends_at),
            data.reason,
            now=utc_now(),
            horizon=platform.horizon,
            actor=principal.actor,
        )
        return ClosureView.of(closure, moves)

    @delete(
        "/{code:str}/closures/{closure_id:str}",
        operation_id="removeClosure",
        **documented("Remove a closure", credentials=[ADMIN], problems=["not-found"]),
    )
    async def remove_closure(
        self,
        code: FromPath[str],
        closure_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> None:
        """Remove a closure: its hours take bookings again."""
        require(principal, Action.CLOSE_HOURS)
        await changes.remove_closure(uow, code, closure_id)
