"""The declaration amendment's form on the portal's booking page (issue 18): the versions in
words, and while booked the form's drivers, its own form key and its fields' values: the
declaration as it stands, or a refused post's as typed (issue 16: a refusal no longer puts
the old values back)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gate.bookings import declarations
from gate.domain.bookings import BookingStatus
from gate.fleet import service as fleet
from gate.store.tables import Booking
from gate.store.unit_of_work import UnitOfWork
from services.web.declaration_words import PORTAL_ACTORS, version_words
from services.web.form_once import new_form_key
from services.web.forms import local_value
from services.web.i18n import Translator

# The form's fields (the cargo's flat, as the booking form's, and the declared driver).
FIELDS = (
    "description",
    "weight_kg",
    "hs_code",
    "declaration_number",
    "driver_id",
    "perishable",
    "spoil_by",
)


def declaration_values(booking: Booking, sent: Mapping[str, str] | None) -> dict[str, str]:
    """The form's values as text: ``sent`` (a refused post's form) as typed, else the
    booking's declaration as it stands; ``perishable`` is ``"on"`` when ticked, else ""."""
    if sent is not None:
        return {name: str(sent.get(name) or "") for name in FIELDS}
    return {
        "description": booking.cargo_description or "",
        "weight_kg": str(booking.weight_kg) if booking.weight_kg is not None else "",
        "hs_code": booking.hs_code or "",
        "declaration_number": booking.declaration_number or "",
        "driver_id": booking.driver_id or "",
        "perishable": "on" if booking.perishable else "",
        "spoil_by": local_value(booking.spoil_by),
    }


async def declaration_context(
    uow: UnitOfWork,
    booking: Booking,
    enterprise_id: str,
    t: Translator,
    sent: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """What ``portal/booking.html`` shows of the declaration: its versions in words when it
    was amended (``declaration_versions``), and while booked the amendment form's drivers,
    its own form key and its values (``declaration_values``: ``sent`` when given)."""
    versions = await declarations.declaration_versions(uow, booking)
    names = await declarations.driver_names(uow, versions)
    context: dict[str, Any] = {
        "declaration_versions": version_words(versions, names, t, PORTAL_ACTORS)
        if len(versions) > 1
        else []
    }
    if booking.status == BookingStatus.BOOKED.value and booking.cargo_description is not None:
        context["declaration_drivers"] = await fleet.list_drivers(uow, enterprise_id)
        context["declaration_form_key"] = new_form_key()
        context["declared"] = declaration_values(booking, sent)
    return context
