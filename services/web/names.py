"""Words for the codes the platform stores, so that a page never shows one raw (issue 16: a
booking's history read ``booking.created``, the fleet ``refrigerated``, the yard console
``tan-thanh``). Registered as Jinja globals (``register``), each taking the page's language
from the template's context:

* ``gate_name(gate)``: a gate (a row, or a mapping with its names) by its name in the page's
  language: ``name`` in vi, ``name_en`` in en, ``name_zh`` in zh (``name_en`` while a gate
  has none; gate/gates/seed.py says which Chinese names and why); ``gate_name_of(code)``
  the same by code, for pages that hold only codes (a yard's gates).
* ``status_words(status, direction)``: a booking's status; an exit in the direction's own
  words (``exited_import``: a truck coming in from China crossed *into* Vietnam, which
  "Đã xuất cảnh" misstated), else the status's.
* ``event_words(event)``: an audit entry's event (``booking.created`` → ``event_booking_
  created``); one the catalogue does not know reads "another change", never the code
  (``tests/unit/test_page_words.py`` holds the known ones to words).
* ``vehicle_type_words(kind)``: a vehicle's type (gate/fleet/service.py's ``VEHICLE_TYPES``).
* ``refusal_words(code, why, field)``: a refusal said before it happens (the calendar's full
  or past hours), as ``services/web/page_words.py`` says one after a form.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from gate.domain.locale import gate_code, gate_name
from services.web.i18n import DEFAULT, Translator, messages
from services.web.page_words import refusal_words

# The events an audit entry about a booking may name (gate/: booking, vehicle, dispatch,
# yard and driver-link events), each with words ``event_{name}`` (dots as underscores).
BOOKING_EVENTS = (
    "booking.created",
    "booking.rescheduled",
    "booking.cancelled",
    "booking.lapsed",
    "booking.changed",
    "booking.declaration_amended",
    "booking.rebooked",
    "booking.rebooking_accepted",
    "booking.no_show_excused",
    "vehicle.arrived",
    "vehicle.called",
    "vehicle.inspection_started",
    "vehicle.clearance_decided",
    "vehicle.exited",
    "vehicle.requeued",
    "vehicle.changed",
    "vehicle.transferred",
    "vehicle.grant_given",
    "vehicle.grant_revoked",
    "driver_link.made",
    "driver_link.revoked",
    "dispatch.issued",
    "dispatch.arrived",
    "dispatch.cancelled",
    "dispatch.missed",
    "dispatch.changed",
    "yard.truck_entered",
    "yard.truck_left",
    "yard.visit_changed",
)


def _known(key: str) -> bool:
    # Vietnamese is every key's first catalogue (tests hold the others to it).
    return key in messages(DEFAULT)


def status_words(t: Translator, status: str, direction: str | None = None) -> str:
    """A booking's ``status`` in ``t``'s language, in the direction's words where they differ."""
    if direction and _known(f"{status}_{direction}"):
        return t(f"{status}_{direction}")
    return t(status)


def event_key(event: str) -> str:
    return "event_" + event.replace(".", "_")


def event_words(t: Translator, event: str) -> str:
    """An audit entry's event in ``t``'s language; an unknown one as "another change"."""
    key = event_key(event)
    return t(key if _known(key) else "event_other")


def vehicle_type_words(t: Translator, kind: str) -> str:
    key = f"vehicle_type_{kind}"
    return t(key if _known(key) else "vehicle_type_other")


def _t(context: Context) -> Translator:
    found = context.get("t")
    return found if isinstance(found, Translator) else Translator(DEFAULT)


@pass_context
def _gate_name(context: Context, gate: Any) -> str:
    return gate_name(gate, _t(context).language)


@pass_context
def _gate_name_of(context: Context, code: str) -> str:
    gates: Iterable[Any] = context.get("gate_rows") or ()
    found = next((g for g in gates if gate_code(g) == code), None)
    return gate_name(found, _t(context).language) if found is not None else code


@pass_context
def _status_words(context: Context, status: str, direction: str | None = None) -> str:
    return status_words(_t(context), status, direction)


@pass_context
def _event_words(context: Context, event: str) -> str:
    return event_words(_t(context), event)


@pass_context
def _vehicle_type_words(context: Context, kind: str) -> str:
    return vehicle_type_words(_t(context), kind)


@pass_context
def _refusal_words(
    context: Context, code: str, why: str | None = None, field: str | None = None
) -> str:
    return refusal_words(_t(context), _known, code, field, why)


GLOBALS: dict[str, Any] = {
    "refusal_words": _refusal_words,
    "gate_name": _gate_name,
    "gate_name_of": _gate_name_of,
    "status_words": _status_words,
    "event_words": _event_words,
    "vehicle_type_words": _vehicle_type_words,
}


def register(environment: Environment) -> None:
    """Add the helpers to the pages' Jinja environment (``services/web/__init__.py``)."""
    environment.globals.update(GLOBALS)
