"""The demo's fee schedule: illustrative rates for the embedded default's seeded gates
(``gate serve --demo-fees``, which ``scripts/serve`` runs), so a first look at the portal, the
driver's page and the console shows fees. NOT the provincial council's figures: the decision
says so, and a deployment adds its council's own schedule (``POST
/api/v1/gates/{code}/fee-schedules`` or ``gate fees add-schedule``). The tests' database gets
none: a test that needs fees makes its own schedule."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from gate.domain.events import SYSTEM
from gate.domain.fees import ANY, LoadClass, Rate
from gate.fees.schedules import make_version
from gate.store.tables import Gate
from gate.store.tables.fees import FeeSchedule
from gate.store.unit_of_work import UnitOfWork

DEMO_DECISION = "Biểu phí minh họa (demo), không phải mức phí của HĐND tỉnh Lạng Sơn"

# Illustrative, in VND: about the VND 1.5 M per vehicle PRODUCT.md cites as the average, a
# dearer heavy load and container.
DEMO_RATES = (
    Rate("export", ANY, ANY, 1_500_000),
    Rate("export", ANY, LoadClass.FROM_18T.value, 2_000_000),
    Rate("export", "container", ANY, 2_200_000),
    Rate("import", ANY, ANY, 1_200_000),
    Rate("import", ANY, LoadClass.FROM_18T.value, 1_800_000),
)


async def add_demo_schedules(uow: UnitOfWork, now: datetime) -> list[str]:
    """The demo schedule, in force from ``now``, for every gate that has no schedule yet (a
    gate with one keeps it: running this again changes nothing); the codes of the gates
    given one. Audited as the system's."""
    gates = list(await uow.session.scalars(select(Gate).order_by(Gate.code)))
    with_one = set(await uow.session.scalars(select(FeeSchedule.gate_id).distinct()))
    added = []
    for gate in gates:
        if gate.id in with_one:
            continue
        await make_version(
            uow,
            gate,
            effective_from=now,
            decision=DEMO_DECISION,
            rates=DEMO_RATES,
            now=now,
            actor=SYSTEM,
        )
        added.append(gate.code)
    return added
