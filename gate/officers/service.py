"""Officer accounts: created by the administrator, signed in with a password."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from gate.accounts import credentials
from gate.domain.clearance import Agency
from gate.domain.errors import AlreadyExists, NotFound
from gate.domain.events import AccessChange, AccessChanged
from gate.domain.time import utc_now
from gate.gates.calendar import gate_by_code
from gate.store.tables import EnterpriseUser, Gate, Officer, OfficerGate
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class NewOfficer:
    email: str
    full_name: str
    agency: Agency
    password: str
    gates: tuple[str, ...]


async def _email_taken(uow: UnitOfWork, email: str) -> bool:
    # One sign-in form serves enterprise users and officers, so an e-mail names one person.
    for column in (Officer.email, EnterpriseUser.email):
        if await uow.session.scalar(select(column).where(column == email)):
            return True
    return False


async def create_officer(uow: UnitOfWork, new: NewOfficer) -> tuple[Officer, list[str]]:
    email = new.email.strip().lower()
    if await _email_taken(uow, email):
        raise AlreadyExists("an account with that e-mail exists")
    gate_ids = [(await gate_by_code(uow, code)).id for code in new.gates]
    officer = Officer(
        email=email,
        full_name=new.full_name,
        agency=new.agency.value,
        password_hash=await credentials.hash_password(new.password),
    )
    uow.session.add(officer)
    await uow.session.flush()
    for gate_id in sorted(set(gate_ids)):
        uow.session.add(OfficerGate(officer_id=officer.id, gate_id=gate_id))
    await uow.session.flush()
    return officer, sorted(set(new.gates))


async def set_officer_gates(
    uow: UnitOfWork, officer_id: str, gate_codes: tuple[str, ...]
) -> list[str]:
    """Replace the gates an officer serves. An officer's streams of a gate taken away close
    within seconds (AccessChanged)."""
    if await uow.session.get(Officer, officer_id) is None:
        raise NotFound("no such officer")
    gate_ids = {(await gate_by_code(uow, code)).id for code in gate_codes}
    before = await gates_of(uow, officer_id)
    await uow.session.execute(delete(OfficerGate).where(OfficerGate.officer_id == officer_id))
    for gate_id in sorted(gate_ids):
        uow.session.add(OfficerGate(officer_id=officer_id, gate_id=gate_id))
    await uow.session.flush()
    if before - gate_ids:
        uow.record(AccessChanged(kind=AccessChange.OFFICER_GATES_CHANGED, subject_id=officer_id))
    return sorted(set(gate_codes))


async def disable_officer(uow: UnitOfWork, officer_id: str) -> Officer:
    """Disable an officer's account: their sessions stop working at once, their open streams
    close within seconds, and they cannot sign in again. NotFound for an unknown id;
    idempotent."""
    officer = await uow.session.get(Officer, officer_id)
    if officer is None:
        raise NotFound("no such officer")
    if officer.disabled_at is None:
        officer.disabled_at = utc_now()
        await uow.session.flush()
        uow.record(AccessChanged(kind=AccessChange.OFFICER_DISABLED, subject_id=officer.id))
    return officer


async def list_officers(
    uow: UnitOfWork, gate_code: str | None = None
) -> list[tuple[Officer, list[str]]]:
    """Every officer (disabled ones too, with ``disabled_at``) by e-mail, each with the codes
    of the gates they serve; only those serving ``gate_code`` when given (NotFound for an
    unknown gate)."""
    query = select(Officer).order_by(Officer.email)
    if gate_code is not None:
        gate = await gate_by_code(uow, gate_code)
        serving = select(OfficerGate.officer_id).where(OfficerGate.gate_id == gate.id)
        query = query.where(Officer.id.in_(serving))
    officers = list(await uow.session.scalars(query))
    served = await uow.session.execute(
        select(OfficerGate.officer_id, Gate.code)
        .join(Gate, Gate.id == OfficerGate.gate_id)
        .where(OfficerGate.officer_id.in_([o.id for o in officers]))
        .order_by(Gate.code)
    )
    codes: dict[str, list[str]] = {o.id: [] for o in officers}
    for officer_id, code in served:
        codes[officer_id].append(code)
    return [(officer, codes[officer.id]) for officer in officers]


async def gates_of(uow: UnitOfWork, officer_id: str) -> frozenset[str]:
    rows = await uow.session.scalars(
        select(OfficerGate.gate_id).where(OfficerGate.officer_id == officer_id)
    )
    return frozenset(rows)
