"""Waiting yards (bến bãi): created, changed and taken out of service by the administrator;
their capacity and hours set by the administrator or the yard enterprise's managers; listed
to anyone signed in, with how many trucks each holds (never which)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from gate.accounts.permissions import Context, at_yard
from gate.accounts.principal import EnterpriseKind
from gate.domain.errors import AlreadyExists, NotFound, ValidationFailed
from gate.domain.slots import check_opening_hours
from gate.domain.time import utc_now
from gate.domain.yards import IN_YARD
from gate.store.tables import Enterprise, Gate, Yard, YardGate, YardVisit
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class YardHours:
    """A yard's room and hours: ``capacity`` trucks (0 or more), open ``opens_at`` to
    ``closes_at`` in whole hours of the gates' clock (0 to 24, 0 to 24 round the clock;
    the same hour twice is refused, as for a gate: ``check_opening_hours``)."""

    capacity: int
    opens_at: int = 0
    closes_at: int = 24


@dataclass(frozen=True, slots=True)
class NewYard:
    """A yard as the administrator describes it: ``gate_codes`` the gates it serves (one at
    least), ``latitude``/``longitude`` in WGS 84 degrees."""

    code: str
    name: str
    enterprise_id: str
    hours: YardHours
    gate_codes: Sequence[str]
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class YardOf:
    """A yard with the codes of the gates it serves and how many trucks are in it now."""

    yard: Yard
    gate_codes: tuple[str, ...]
    in_yard: int


async def yard_by_code(uow: UnitOfWork, code: str, *, lock: bool = False) -> Yard:
    """The yard ``code``; NotFound (404) when there is none. ``lock`` holds its row until
    commit (FOR UPDATE on PostgreSQL; SQLite's write lock serialises writers anyway): the
    check-ins' capacity check and the visit it adds are then one step for every process."""
    query = select(Yard).where(Yard.code == code)
    if lock:
        query = query.with_for_update()
    yard = await uow.session.scalar(query)
    if yard is None:
        raise NotFound(f"no yard {code!r}")
    return yard


async def yard_in_context(
    uow: UnitOfWork, code: str, *, lock: bool = False
) -> tuple[Yard, Context]:
    """The yard ``code`` (NotFound, 404, for anyone when there is none; ``lock`` as
    yard_by_code) and the context the rule book judges its actions in: its enterprise and
    the gates it serves."""
    yard = await yard_by_code(uow, code, lock=lock)
    return yard, at_yard(yard.id, yard.enterprise_id, await gate_ids_of(uow, yard.id))


async def gate_ids_of(uow: UnitOfWork, yard_id: str) -> frozenset[str]:
    """The ids of the gates yard ``yard_id`` serves."""
    rows = await uow.session.scalars(select(YardGate.gate_id).where(YardGate.yard_id == yard_id))
    return frozenset(rows)


async def in_yard(uow: UnitOfWork, yard_id: str) -> int:
    """How many trucks are in the yard now: waiting or dispatched (``IN_YARD``)."""
    count = await uow.session.scalar(
        select(func.count())
        .select_from(YardVisit)
        .where(YardVisit.yard_id == yard_id, YardVisit.status.in_([s.value for s in IN_YARD]))
    )
    return int(count or 0)


async def _gates(uow: UnitOfWork, codes: Sequence[str]) -> list[Gate]:
    if not codes:
        raise ValidationFailed("a yard serves at least one gate", field="gates")
    gates = list(await uow.session.scalars(select(Gate).where(Gate.code.in_(set(codes)))))
    missing = set(codes) - {g.code for g in gates}
    if missing:
        raise ValidationFailed(f"no gate {sorted(missing)[0]!r}", field="gates")
    return gates


async def create_yard(uow: UnitOfWork, new: NewYard) -> Yard:
    """A new yard of a yard enterprise. ValidationFailed (422) for an enterprise that is not
    a yard enterprise, an unknown gate or hours that open and close at one hour;
    AlreadyExists (409) for a code taken."""
    check_opening_hours(new.hours.opens_at, new.hours.closes_at)
    enterprise = await uow.session.get(Enterprise, new.enterprise_id)
    if enterprise is None or enterprise.kind != EnterpriseKind.YARD:
        raise ValidationFailed("enterprise_id names no yard enterprise", field="enterprise_id")
    gates = await _gates(uow, new.gate_codes)
    if await uow.session.scalar(select(Yard.id).where(Yard.code == new.code)):
        raise AlreadyExists(f"yard {new.code!r} exists")
    yard = Yard(
        code=new.code,
        name=new.name,
        enterprise_id=enterprise.id,
        capacity=new.hours.capacity,
        opens_at=new.hours.opens_at,
        closes_at=new.hours.closes_at,
        latitude=new.latitude,
        longitude=new.longitude,
    )
    uow.session.add(yard)
    await uow.session.flush()
    uow.session.add_all(YardGate(yard_id=yard.id, gate_id=gate.id) for gate in gates)
    await uow.session.flush()
    return yard


async def change_yard(
    uow: UnitOfWork,
    code: str,
    *,
    name: str | None = None,
    gate_codes: Sequence[str] | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Yard:
    """The administrator's changes to a yard: its name, position, the gates it serves (each
    given value replaces the stored one; None keeps it)."""
    yard = await yard_by_code(uow, code)
    if name is not None:
        yard.name = name
    if latitude is not None:
        yard.latitude = latitude
    if longitude is not None:
        yard.longitude = longitude
    if gate_codes is not None:
        gates = await _gates(uow, gate_codes)
        current = await gate_ids_of(uow, yard.id)
        wanted = {g.id for g in gates}
        for gate_id in current - wanted:
            stale = await uow.session.get(YardGate, (yard.id, gate_id))
            if stale is not None:
                await uow.session.delete(stale)
        uow.session.add_all(YardGate(yard_id=yard.id, gate_id=g) for g in wanted - current)
    await uow.session.flush()
    return yard


async def set_hours(uow: UnitOfWork, yard: Yard, hours: YardHours) -> Yard:
    """A yard's capacity and opening hours. A capacity below the trucks already in the yard
    is allowed: none is sent away, the yard admits nobody until it has room again."""
    check_opening_hours(hours.opens_at, hours.closes_at)
    yard.capacity = hours.capacity
    yard.opens_at, yard.closes_at = hours.opens_at, hours.closes_at
    await uow.session.flush()
    return yard


async def take_out_of_service(uow: UnitOfWork, code: str) -> Yard:
    """The yard admits no truck from now on (``closed_at``); the trucks in it may leave."""
    yard = await yard_by_code(uow, code)
    if yard.closed_at is None:
        yard.closed_at = utc_now()
        await uow.session.flush()
    return yard


async def list_yards(uow: UnitOfWork) -> list[YardOf]:
    """Every yard by code, with its gates' codes and the trucks in it now (two queries more,
    whatever the number of yards)."""
    yards = list(await uow.session.scalars(select(Yard).order_by(Yard.code)))
    served: dict[str, list[str]] = {}
    for yard_id, gate_code in await uow.session.execute(
        select(YardGate.yard_id, Gate.code).join(Gate, Gate.id == YardGate.gate_id)
    ):
        served.setdefault(yard_id, []).append(gate_code)
    in_yards = (
        select(YardVisit.yard_id, func.count())
        .where(YardVisit.status.in_([s.value for s in IN_YARD]))
        .group_by(YardVisit.yard_id)
    )
    counts = {yard_id: int(n) for yard_id, n in await uow.session.execute(in_yards)}
    return [YardOf(y, tuple(sorted(served.get(y.id, []))), counts.get(y.id, 0)) for y in yards]


async def yard_of(uow: UnitOfWork, yard: Yard) -> YardOf:
    """One yard as ``list_yards`` gives it."""
    codes = await uow.session.scalars(
        select(Gate.code)
        .join(YardGate, YardGate.gate_id == Gate.id)
        .where(YardGate.yard_id == yard.id)
    )
    return YardOf(yard, tuple(sorted(codes)), await in_yard(uow, yard.id))
