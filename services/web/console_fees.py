"""The console's page of a gate's fee schedule (issue 19): every version with its start, the
decision that set it and its rates, the one in force marked; read-only (the administration
adds versions: the API's addFeeSchedule or ``gate fees add-schedule``)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from gate.accounts.permissions import Action
from gate.domain.fees import schedule_in_force
from gate.domain.time import utc_now
from gate.fees.schedules import versions_of
from gate.store.unit_of_work import UnitOfWork
from services.api.fees.schemas import FeeScheduleView
from services.platform import Platform
from services.web.console import officer_at_gate
from services.web.render import page


class ConsoleFeesController(Controller):
    path = "/console"
    include_in_schema = False

    @get("/{code:str}/fees")
    async def schedule(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        """The gate's fee schedule, the latest version first, for the gate's officers."""
        who, gate = await officer_at_gate(request, platform, uow, code, Action.READ_YARD)
        versions = await versions_of(uow, gate)
        current = schedule_in_force(versions, utc_now())
        return page(
            request,
            "console/fees.html",
            who,
            gate=gate,
            versions=[FeeScheduleView.of(gate.code, v) for v in reversed(versions)],
            in_force=current.schedule.version if current else None,
        )
