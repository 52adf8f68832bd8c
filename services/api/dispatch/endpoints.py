"""Dispatch from the waiting yards to a gate (lệnh điều tiết): a gate direction's rule, the
gate's orders, an officer's order by hand and its withdrawal.

Every route asks the rule book (gate/accounts/permissions.py): the gate's officers and the
administrator read; its operators and the administrator set the rules; its operators
dispatch and withdraw. The automatic dispatch is a sweep (gate/dispatch/sweeps.py), not a
route.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from gate.accounts.permissions import Action, acting_officer, at_gate, require
from gate.dispatch import orders
from gate.dispatch.rules import RuleSetting, rule_of, set_rule
from gate.domain.dispatch import OrderStatus
from gate.domain.slots import Direction
from gate.domain.time import utc_now
from gate.gates.calendar import gate_by_code
from gate.store.unit_of_work import UnitOfWork
from services.api.dispatch.schemas import (
    DispatchOrderCancel,
    DispatchOrderCreate,
    DispatchOrderView,
    DispatchRuleUpdate,
    DispatchRuleView,
)
from services.common.contract import ADMIN, OFFICER, documented
from services.common.dependencies import Caller
from services.common.idempotency import IdempotencyKey, answer_idempotently, fingerprint
from services.platform import Platform


class DispatchController(Controller):
    path = "/gates/{code:str}"
    tags = ["dispatch"]

    @get(
        "/dispatch/{direction:str}",
        operation_id="getDispatchRule",
        **documented(
            "Read a direction's dispatch rule", credentials=[ADMIN, OFFICER], problems=["not-found"]
        ),
    )
    async def get_rule(
        self,
        code: FromPath[str],
        direction: FromPath[Direction],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> DispatchRuleView:
        """How the gate's control yard is fed in one direction: the target per queue class,
        each order's deadline, and whether the automatic dispatch is paused (the defaults
        until someone sets it). The gate's officers and the administrator."""
        gate = await gate_by_code(uow, code)
        require(principal, Action.READ_DISPATCH, at_gate(gate.id))
        return DispatchRuleView.of(gate.code, await rule_of(uow, gate, direction))

    @put(
        "/dispatch/{direction:str}",
        operation_id="setDispatchRule",
        **documented(
            "Set, pause or resume a direction's dispatch",
            credentials=[ADMIN, OFFICER],
            problems=["not-found"],
        ),
    )
    async def set_rule(
        self,
        code: FromPath[str],
        direction: FromPath[Direction],
        data: JSONBody[DispatchRuleUpdate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> DispatchRuleView:
        """Set the target, the deadline, or pause (with a reason) or resume the automatic
        dispatch (the gate's operators and the administrator). Audited. Pausing does not
        withdraw the open orders, and officers may still dispatch by hand."""
        gate = await gate_by_code(uow, code)
        require(principal, Action.SET_DISPATCH_RULES, at_gate(gate.id))
        setting = RuleSetting(data.target, data.deadline_minutes, data.paused, data.reason)
        rule = await set_rule(uow, gate, direction, setting, principal.actor)
        return DispatchRuleView.of(gate.code, rule)

    @get(
        "/dispatch-orders",
        operation_id="listDispatchOrders",
        **documented(
            "List the gate's dispatch orders",
            credentials=[ADMIN, OFFICER],
            problems=["not-found"],
        ),
    )
    async def list_orders(
        self,
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        status: FromQuery[OrderStatus | None] = None,
    ) -> list[DispatchOrderView]:
        """The gate's dispatch orders, earliest deadline first (at most 500); ``status=open``
        for the trucks on their way, with who is late (past the deadline, not yet swept) and
        the minutes the others have left. The gate's officers and the administrator."""
        gate = await gate_by_code(uow, code)
        require(principal, Action.READ_DISPATCH, at_gate(gate.id))
        now = utc_now()
        return [DispatchOrderView.of(o, now) for o in await orders.orders_of(uow, gate, status)]

    @post(
        "/dispatch-orders",
        operation_id="dispatchByHand",
        **documented(
            "Dispatch a waiting truck by hand",
            credentials=[OFFICER],
            answer=(201, DispatchOrderView, "The order (a replay: the first answer)"),
            problems=["not-found", "not-waiting-in-yard", "idempotency-key-reused"],
        ),
    )
    async def dispatch_by_hand(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        data: JSONBody[DispatchOrderCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """Send one truck waiting in a yard to the gate now, with the direction's deadline
        (the gate's operators), also while the automatic dispatch is paused. 409
        ``not-waiting-in-yard`` for a truck already dispatched or gone. Audited with the
        officer. Send an Idempotency-Key: a retry must not dispatch twice."""
        gate = await gate_by_code(uow, code)
        officer = acting_officer(principal, Action.DISPATCH_BY_HAND, gate.id)

        async def dispatch() -> tuple[int, DispatchOrderView]:
            now = utc_now()
            order = await orders.dispatch_by_hand(uow, gate, data.visit_id, officer.actor, now)
            return 201, DispatchOrderView.of(await orders.listed(uow, order), now)

        return await answer_idempotently(
            uow,
            officer.officer_id,
            idempotency_key,
            fingerprint(request, data),
            dispatch,
            retention=platform.settings.idempotency_key_retention,
        )

    @post(
        "/dispatch-orders/{order_id:str}/cancel",
        operation_id="cancelDispatchOrder",
        status_code=200,
        **documented(
            "Withdraw a dispatch order",
            credentials=[OFFICER],
            problems=["not-found", "invalid-transition"],
        ),
    )
    async def cancel_order(
        self,
        code: FromPath[str],
        order_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        data: JSONBody[DispatchOrderCancel | None] = None,
    ) -> DispatchOrderView:
        """Withdraw an open order (the gate's operators): the truck waits in its yard again,
        in its place, and no miss is counted. The body is optional: none (or ``{}``) records
        "withdrawn by an officer", ``{"reason": …}`` that reason. 409 ``invalid-transition``
        for an order already closed. Audited with the officer."""
        gate = await gate_by_code(uow, code)
        officer = acting_officer(principal, Action.DISPATCH_BY_HAND, gate.id)
        now = utc_now()
        reason = data.reason if data is not None else None
        order = await orders.cancel(uow, gate, order_id, officer.actor, now, reason)
        return DispatchOrderView.of(await orders.listed(uow, order), now)
