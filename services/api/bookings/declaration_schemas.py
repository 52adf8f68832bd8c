"""The API's shapes of a declaration's amendment and versions (gate/bookings/declarations.py)."""

from __future__ import annotations

from datetime import datetime

from gate.bookings.declarations import Amendment, DeclarationVersion
from services.api.bookings.schemas import CargoInput, CargoView
from services.common.schemas import Identifier, Input, Output, Version, local, local_or_none


class DeclarationAmend(Input):
    """The whole declaration as it is to be, and the booking's version last read."""

    version: Version
    driver_id: Identifier
    cargo: CargoInput

    def amendment(self) -> Amendment:
        """What the service takes (the API's call and the portal's form alike)."""
        return Amendment(cargo=self.cargo.cargo(), driver_id=self.driver_id)


class FieldChangeView(Output):
    """One field changed from the version before: ``field`` one of ``cargo_description``,
    ``weight_kg`` (kilograms), ``perishable``, ``hs_code``, ``declaration_number``,
    ``driver_id`` (the driver's id; its names in ``driver_names``), ``spoil_by`` (an
    instant, written as ISO 8601 text on the gates' clock)."""

    field: str
    before: str | float | bool | None
    after: str | float | bool | None


class DeclarationVersionView(Output):
    """One version of a booking's declaration: its number (1 the first), the cargo and
    driver as they became, who declared it (``actor``: the audit log's actor kind, ``actor_id``
    and ``role``), when, and the fields changed from the version before."""

    version: int
    cargo: CargoView
    driver_id: str | None
    driver_name: str | None
    declared_at: datetime
    actor: str
    actor_id: str | None
    role: str | None
    changed: list[FieldChangeView]
    # The names of the drivers ``changed`` names by id (before and after).
    driver_names: dict[str, str]

    @classmethod
    def of(cls, version: DeclarationVersion, names: dict[str, str]) -> DeclarationVersionView:
        declared = version.declaration
        changed = [
            FieldChangeView(c.field, _shown(c.before), _shown(c.after)) for c in version.changed
        ]
        named = {
            str(value): names[str(value)]
            for c in version.changed
            if c.field == "driver_id"
            for value in (c.before, c.after)
            if value is not None and str(value) in names
        }
        return cls(
            version=version.version,
            cargo=CargoView(
                declared.cargo_description,
                declared.weight_kg,
                declared.perishable,
                declared.hs_code,
                declared.declaration_number,
                local_or_none(declared.spoil_by),
            ),
            driver_id=declared.driver_id,
            driver_name=names.get(declared.driver_id) if declared.driver_id else None,
            declared_at=local(version.declared_at),
            actor=version.actor_kind,
            actor_id=version.actor_id,
            role=version.role,
            changed=changed,
            driver_names=named,
        )


def _shown(value: str | float | bool | datetime | None) -> str | float | bool | None:
    """A changed value as the API writes it: an instant as ISO 8601 text on the gates' clock
    (a union of values cannot hold both text and a datetime in the OpenAPI schema)."""
    return local(value).isoformat() if isinstance(value, datetime) else value
