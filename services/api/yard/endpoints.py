"""The officers' yard: the queue, lanes, calling vehicles, inspection, decisions, exit.

Every route asks the rule book (gate/accounts/permissions.py) whether the caller may take its
action at this gate (403 otherwise): gate operators run lanes and call; border guard, customs
and quarantine decide; a vehicle exits only when every required agency cleared it.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import select

from gate.accounts.permissions import Action, acting_officer, at_gate, require
from gate.accounts.principal import Principal
from gate.checkins.answers import CheckinAnswer
from gate.checkins.manual import ByHand, ManualCheckin, check_in_by_hand
from gate.clearance import service as clearance
from gate.domain.bookings import AT_LANE_STATUSES
from gate.domain.errors import NotFound
from gate.domain.slots import Direction
from gate.domain.time import utc_now
from gate.gates.calendar import gate_by_code
from gate.live.messages import PendingReadEntry
from gate.live.projections import pending_read_entries
from gate.notices import service as notices
from gate.store.tables import Booking, Lane
from gate.store.unit_of_work import UnitOfWork
from gate.yard import service as queue
from services.api.gates.schemas import LaneView
from services.api.yard.schemas import (
    CallResult,
    DecisionCreate,
    DecisionView,
    ManualCheckinCreate,
    NoticeCreate,
    NoticeView,
    PauseUpdate,
    QueuedVehicle,
    VehicleDetail,
    YardVehicle,
    YardView,
)
from services.checkins.by_hand import check_in_by_hand_here
from services.common.contract import OFFICER, documented
from services.common.dependencies import Caller
from services.common.idempotency import IdempotencyKey, answer_once, fingerprint, stored_response
from services.common.schemas import local, local_or_none
from services.platform import Platform


async def _lane_codes(uow: UnitOfWork, gate_id: str) -> dict[str, str]:
    rows = await uow.session.execute(select(Lane.id, Lane.code).where(Lane.gate_id == gate_id))
    return {lane_id: code for lane_id, code in rows}


class YardController(Controller):
    path = "/gates/{code:str}"
    tags = ["yard"]

    @get(
        "/queue",
        operation_id="getQueue",
        **documented("The yard queue", credentials=[OFFICER], problems=["not-found"]),
    )
    async def get_queue(
        self,
        code: FromPath[str],
        direction: FromQuery[Direction],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> YardView:
        """The yard queue in service order, and the vehicles at the lanes (officers)."""
        gate = await gate_by_code(uow, code)
        require(principal, Action.READ_YARD, at_gate(gate.id))
        view = await queue.ordered_queue(uow, gate, direction)
        lanes = await _lane_codes(uow, gate.id)
        at_lanes = await uow.session.scalars(
            select(Booking)
            .where(
                Booking.gate_id == gate.id,
                Booking.direction == direction.value,
                Booking.status.in_([s.value for s in AT_LANE_STATUSES]),
            )
            .order_by(Booking.called_at)
        )
        return YardView(
            gate=gate.code,
            direction=direction.value,
            cycle=gate.service_cycle,
            waiting=[
                QueuedVehicle(place, YardVehicle.of(b, lanes))
                for place, b in enumerate(view.bookings, start=1)
            ],
            at_lanes=[YardVehicle.of(b, lanes) for b in at_lanes],
        )

    @get(
        "/pending-reads",
        operation_id="listPendingReads",
        **documented("Camera reads to settle", credentials=[OFFICER], problems=["not-found"]),
    )
    async def list_pending_reads(
        self,
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> list[PendingReadEntry]:
        """Camera reads that fit several expected trucks, each with the trucks it may be,
        oldest first (any officer at the gate)."""
        gate = await gate_by_code(uow, code)
        require(principal, Action.READ_YARD, at_gate(gate.id))
        return await pending_read_entries(uow, gate)

    @post(
        "/manual-checkins",
        operation_id="checkInByHand",
        status_code=200,
        **documented(
            "Check a truck in by hand",
            credentials=[OFFICER],
            answer=(200, CheckinAnswer, "How the truck was judged (a replay: the first answer)"),
            problems=["not-found", "conflict", "invalid-plate", "idempotency-key-reused"],
        ),
    )
    async def check_in_by_hand(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        data: JSONBody[ManualCheckinCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """Check a truck in by hand (gate operators and border guards): a pending read's
        candidate, or a plate as read. Judged like a camera's read (on time, late, walk-in,
        refused); the answer is the device answer; the audit log names the officer. Send an
        Idempotency-Key: a retry must not check a second truck in."""
        gate = await gate_by_code(uow, code)
        officer = acting_officer(principal, Action.CHECK_IN_BY_HAND, gate.id)
        wanted = ManualCheckin(
            direction=data.direction.value if data.direction else None,
            booking_id=data.booking_id,
            plate=data.plate,
            trailer_plate=data.trailer_plate,
            pending_read_id=data.pending_read_id,
        )

        if platform.checkins is not None:
            # Decided by the gate's pipeline, never beside its batches (services/checkins/
            # by_hand.py); the Idempotency-Key is claimed in the pipeline's transaction.
            actor = officer.actor
            job = ByHand(
                actor.kind,
                actor.id,
                actor.role,
                wanted,
                utc_now(),
                officer.officer_id,
                idempotency_key,
                fingerprint(request, data),
            )
            reply = await check_in_by_hand_here(platform, uow, gate.id, job)
            return stored_response(reply.status, reply.body, replayed=reply.replayed)

        async def check_in() -> tuple[int, CheckinAnswer]:
            answer = await check_in_by_hand(uow, gate, wanted, officer.actor, utc_now())
            return 200, answer

        return await answer_once(
            request,
            data,
            check_in,
            uow=uow,
            owner=officer.officer_id,
            key=idempotency_key,
            settings=platform.settings,
        )

    @post(
        "/lanes/{lane:str}/open",
        operation_id="openLane",
        status_code=200,
        **documented("Open a lane", credentials=[OFFICER], problems=["not-found"]),
    )
    async def open_lane(
        self,
        code: FromPath[str],
        lane: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> LaneView:
        """Open a lane of the gate: vehicles can be called to it (gate operators)."""
        return await self._set_lane(uow, principal, code, lane, is_open=True)

    @post(
        "/lanes/{lane:str}/close",
        operation_id="closeLane",
        status_code=200,
        **documented("Close a lane", credentials=[OFFICER], problems=["not-found"]),
    )
    async def close_lane(
        self,
        code: FromPath[str],
        lane: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> LaneView:
        """Close a lane of the gate: no vehicle is called to it (gate operators)."""
        return await self._set_lane(uow, principal, code, lane, is_open=False)

    @staticmethod
    async def _set_lane(
        uow: UnitOfWork, principal: Principal, code: str, lane_code: str, is_open: bool
    ) -> LaneView:
        gate = await gate_by_code(uow, code)
        require(principal, Action.OPEN_CLOSE_LANES, at_gate(gate.id))
        lane = await queue.lane_of_gate(uow, gate, lane_code)
        return LaneView.of(await queue.set_lane_open(uow, gate, lane, is_open))

    @post(
        "/lanes/{lane:str}/call-next",
        operation_id="callNext",
        status_code=200,
        **documented(
            "Call the next vehicle to a lane",
            credentials=[OFFICER],
            answer=(200, CallResult, "The vehicle called, or none (a replay: the first answer)"),
            problems=["not-found", "conflict", "lane-occupied", "idempotency-key-reused"],
        ),
    )
    async def call_next(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        lane: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
        force: Annotated[
            bool,
            QueryParameter(
                description="Call even though a truck still holds the lane (audited as forced)"
            ),
        ] = False,
    ) -> Response[bytes]:
        """Call the vehicle whose turn it is to this lane (gate operators). One truck per
        lane: while a truck called to the lane or under inspection there has not left it,
        the call is refused (409 ``lane-occupied``, naming the lane and that truck's booking
        code) unless ``force=true``, which is audited as a forced call. Send an
        Idempotency-Key: a retried call must not call a second vehicle (a forced call is
        another request than an unforced one: it needs a key of its own)."""
        gate = await gate_by_code(uow, code)
        officer = acting_officer(principal, Action.CALL_NEXT, gate.id)
        lane_row = await queue.lane_of_gate(uow, gate, lane)

        async def call() -> tuple[int, CallResult]:
            called = await queue.call_next(
                uow, gate, lane_row, officer.actor, utc_now(), force=force
            )
            lanes = {lane_row.id: lane_row.code}
            return 200, CallResult(YardVehicle.of(called, lanes) if called else None)

        return await answer_once(
            request,
            # The fingerprint of a forced call differs from an unforced one's: a key that
            # got "lane-occupied" is not replayed for the forced retry, nor the other way.
            {"force": True} if force else None,
            call,
            uow=uow,
            owner=officer.officer_id,
            key=idempotency_key,
            settings=platform.settings,
        )

    @post(
        "/notices",
        operation_id="postNotice",
        **documented("Post a notice on the board", credentials=[OFFICER], problems=["not-found"]),
    )
    async def post_notice(
        self,
        code: FromPath[str],
        data: JSONBody[NoticeCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> NoticeView:
        """A notice on the gate's public board (gate operators)."""
        gate = await gate_by_code(uow, code)
        require(principal, Action.POST_NOTICES, at_gate(gate.id))
        notice = await notices.post_notice(
            uow, gate, data.text, data.expires_at, principal.actor, utc_now()
        )
        return NoticeView(
            notice.id, notice.text, local(notice.created_at), local_or_none(notice.expires_at)
        )

    @delete(
        "/notices/{notice_id:str}",
        operation_id="withdrawNotice",
        **documented("Withdraw a notice", credentials=[OFFICER], problems=["not-found"]),
    )
    async def withdraw_notice(
        self,
        code: FromPath[str],
        notice_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> None:
        """Take a notice off the gate's public board before its expiry (gate operators);
        audited in the gate's chain with the officer, and the boards drop it at once.
        Withdrawing it again changes nothing (204); another gate's notice is 404."""
        gate = await gate_by_code(uow, code)
        require(principal, Action.POST_NOTICES, at_gate(gate.id))
        await notices.withdraw_notice(uow, gate, notice_id, principal.actor, utc_now())

    @post(
        "/pause",
        operation_id="pauseGate",
        status_code=204,
        **documented("Pause or resume the gate", credentials=[OFFICER], problems=["not-found"]),
    )
    async def pause(
        self,
        code: FromPath[str],
        data: JSONBody[PauseUpdate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> None:
        """Pause the gate (with a reason, shown on the board) or resume it (gate operators)."""
        gate = await gate_by_code(uow, code)
        require(principal, Action.PAUSE_GATE, at_gate(gate.id))
        await notices.set_paused(uow, gate, data.paused, data.reason)

    @get(
        "/vehicles/{booking_id:str}",
        operation_id="getYardVehicle",
        **documented("Read a vehicle at the gate", credentials=[OFFICER], problems=["not-found"]),
    )
    async def get_vehicle(
        self,
        code: FromPath[str],
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> VehicleDetail:
        """A booked vehicle of this gate with the agencies it needs and their decisions (any
        officer at the gate)."""
        gate = await gate_by_code(uow, code)
        require(principal, Action.READ_YARD, at_gate(gate.id))
        booking = await uow.session.get(Booking, booking_id)
        if booking is None or booking.gate_id != gate.id:
            raise NotFound("no such vehicle at this gate")
        return await self._detail(uow, booking)

    @post(
        "/vehicles/{booking_id:str}/inspection",
        operation_id="startInspection",
        status_code=200,
        **documented(
            "Start a vehicle's inspection",
            credentials=[OFFICER],
            problems=["not-found", "invalid-transition"],
        ),
    )
    async def start_inspection(
        self,
        code: FromPath[str],
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> VehicleDetail:
        """The called vehicle reached its lane (any officer at the gate)."""
        gate = await gate_by_code(uow, code)
        require(principal, Action.START_INSPECTION, at_gate(gate.id))
        booking = await clearance.start_inspection(
            uow, gate, booking_id, principal.actor, utc_now()
        )
        return await self._detail(uow, booking)

    @post(
        "/vehicles/{booking_id:str}/decisions",
        operation_id="recordDecision",
        status_code=200,
        **documented(
            "Record an agency's decision",
            credentials=[OFFICER],
            answer=(200, VehicleDetail, "The vehicle after it (a replay: the first answer)"),
            problems=["not-found", "conflict", "invalid-transition", "idempotency-key-reused"],
        ),
    )
    async def record_decision(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        booking_id: FromPath[str],
        data: JSONBody[DecisionCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """This officer's agency decides: cleared, held (reason) or rejected (reason); customs
        also gives the channel."""
        gate = await gate_by_code(uow, code)
        officer = acting_officer(principal, Action.RECORD_DECISION, gate.id)
        decided = clearance.DecisionInput(data.decision, data.reason, data.channel)

        async def decide() -> tuple[int, VehicleDetail]:
            booking = await clearance.record_decision(
                uow,
                gate,
                booking_id,
                officer.agency,
                decided,
                officer.officer_id,
                officer.actor,
                utc_now(),
            )
            return 200, await self._detail(uow, booking)

        return await answer_once(
            request,
            data,
            decide,
            uow=uow,
            owner=officer.officer_id,
            key=idempotency_key,
            settings=platform.settings,
        )

    @post(
        "/vehicles/{booking_id:str}/exit",
        operation_id="recordExit",
        status_code=200,
        **documented(
            "Let a cleared vehicle cross",
            credentials=[OFFICER],
            problems=["not-found", "conflict", "invalid-transition"],
        ),
    )
    async def record_exit(
        self,
        code: FromPath[str],
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> VehicleDetail:
        """The vehicle crosses (gate operators and border guards): only once cleared."""
        gate = await gate_by_code(uow, code)
        require(principal, Action.RECORD_EXIT, at_gate(gate.id))
        booking = await clearance.record_exit(uow, gate, booking_id, principal.actor, utc_now())
        return await self._detail(uow, booking)

    @staticmethod
    async def _detail(uow: UnitOfWork, booking: Booking) -> VehicleDetail:
        lanes = await _lane_codes(uow, booking.gate_id)
        decisions = await clearance.decisions_on(uow, booking.id)
        return VehicleDetail(
            vehicle=YardVehicle.of(booking, lanes),
            required_agencies=sorted(a.value for a in clearance.agencies_for(booking)),
            decisions=[DecisionView.of(d) for d in decisions],
        )
