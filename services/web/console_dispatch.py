"""Dispatch in the officer console: a gate's operators send a truck waiting in a yard by hand,
withdraw an open order, and set a direction's rule (target, deadline, pause with its reason,
resume), through gate/dispatch/ and the rule book as the API's routes do
(services/api/dispatch/endpoints.py). Each form posts, then redirects back to the page."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from gate.accounts.permissions import Action
from gate.dispatch import orders
from gate.dispatch.rules import RuleSetting, set_rule
from gate.domain.dispatch import OrderStatus
from gate.domain.errors import NotFound
from gate.domain.time import utc_now
from gate.gates.calendar import parse_direction
from gate.store.unit_of_work import UnitOfWork
from services.api.dispatch.schemas import (
    DispatchOrderCancel,
    DispatchOrderCreate,
    DispatchRuleUpdate,
)
from services.platform import Platform
from services.web.console import here_of, officer_at_gate
from services.web.console_yard import yard_again
from services.web.forms import decode_form, run_form


class ConsoleDispatchController(Controller):
    path = "/console"
    include_in_schema = False

    @post("/{code:str}/dispatch")
    async def dispatch(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        """Send one waiting truck to the gate now (the API's dispatchByHand), also while the
        automatic dispatch is paused."""
        who, gate = await officer_at_gate(request, platform, uow, code, Action.DISPATCH_BY_HAND)

        async def act() -> str:
            form = decode_form(data, DispatchOrderCreate)
            order = await orders.dispatch_by_hand(uow, gate, form.visit_id, who.actor, utc_now())
            return order.code

        return await run_form(uow, here_of(code, data), act)

    @post("/{code:str}/dispatch-orders/{order_code:str}/cancel")
    async def withdraw(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        order_code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        """Withdraw an open order by its code (the API's cancelDispatchOrder): the truck
        waits in its yard again, in its place, no miss counted."""
        who, gate = await officer_at_gate(request, platform, uow, code, Action.DISPATCH_BY_HAND)

        async def act() -> str:
            form = decode_form(data, DispatchOrderCancel)
            found = [
                listed.order
                for listed in await orders.orders_of(uow, gate, OrderStatus.OPEN)
                if listed.order.code == order_code
            ]
            if not found:
                raise NotFound("no such open dispatch order at this gate")
            await orders.cancel(uow, gate, found[0].id, who.actor, utc_now(), form.reason)
            return order_code

        return await run_form(uow, here_of(code, data), act)

    @post("/{code:str}/dispatch-rule")
    async def rule(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect | Template:
        """Set the direction's target and deadline, and pause (with a reason) or resume the
        automatic dispatch (the API's setDispatchRule, by the same rule); refused, the yard
        page drawn again with what was typed and why (issue 16)."""
        who, gate = await officer_at_gate(request, platform, uow, code, Action.SET_DISPATCH_RULES)

        async def act() -> None:
            direction = parse_direction(data.get("direction") or "export")
            form = decode_form(data, DispatchRuleUpdate, paused=data.get("paused") == "true")
            setting = RuleSetting(form.target, form.deadline_minutes, form.paused, form.reason)
            await set_rule(uow, gate, direction, setting, who.actor)

        again = yard_again(request, uow, platform, who, gate, data)
        return await run_form(uow, here_of(code, data), act, again=again)
