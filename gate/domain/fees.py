"""The border-gate infrastructure fee (phí sử dụng kết cấu hạ tầng cửa khẩu): its schedule, the
fee of one crossing, and what a cancellation gives back.

Vehicles crossing Lạng Sơn's gates pay the province's fee, set by a decision of the provincial
council per vehicle type and load (issue 19; PRODUCT.md: about VND 1.5 M per vehicle on
average). Here:

- a **schedule** is one version of a gate's rates, in force from ``effective_from`` until the
  next version's; a version is never rewritten, so a crossing's fee can always be traced to the
  decision that set it;
- a **rate** names a direction, a vehicle type and a load class, either of the last two ``*``
  (any); the most specific rate matching a crossing is its rate; every schedule carries a
  catch-all (``*``, ``*``) per direction, so every crossing has a fee (``check_rates``);
- the **load class** is read from the declared cargo weight (``load_class_of``); a walk-in
  declares none (``UNKNOWN``: only a ``*`` load rate matches it);
- a crossing's fee is **fixed** when its booking is made (or the walk-in admitted), from the
  version in force at the booked hour's start as the schedule stood at that moment: a later
  version never changes a fixed fee (``schedule_in_force``);
- a cancellation **refunds** the whole amount paid when the gate cancelled, or when the
  enterprise cancelled at least the refund notice (``GATE_FEE_REFUND_NOTICE_MINUTES``, 120)
  before the hour's start; later, nothing (the place was held for it, as a port's late
  cancellation counts as a no-show). ``refund_on_cancel``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar

from gate.domain.errors import Conflict, NotFound, ValidationFailed
from gate.domain.time import as_utc

ANY = "*"
# The largest single fee accepted, VND: far above any rate a council sets (the highest of
# Lạng Sơn's rates is a few million dong), low enough that a slipped digit is refused.
MAX_FEE_VND = 100_000_000
MAX_DECISION_LENGTH = 200
# An invoice number: series, two digits of the year, seven of the sequence: HN260000123.
# Letters and digits only: a bank transfer's description keeps nothing else, and the payer
# copies the number there (gate/payments/ finds it in that text).
INVOICE_NUMBER = re.compile(r"^[A-Z]{2,6}[0-9]{9}$")
INVOICE_SEQUENCE_DIGITS = 7


class LoadClass(StrEnum):
    """The load band of a crossing, by the cargo weight declared with its booking."""

    UNDER_10T = "under-10t"  # above 0 and below 10,000 kg
    FROM_10T = "10t-18t"  # 10,000 kg up to, not including, 18,000 kg
    FROM_18T = "18t-up"  # 18,000 kg and more
    UNKNOWN = "unknown"  # nothing declared: a walk-in


LOAD_BANDS_KG = ((10_000.0, LoadClass.UNDER_10T), (18_000.0, LoadClass.FROM_10T))


def load_class_of(weight_kg: float | None) -> LoadClass:
    """The load class of a declared cargo weight in kg (None: nothing declared). A booking
    declares a weight above 0 (gate/domain/cargo.py::check_weight), so there is no band of
    empty trucks: one would be a rate no crossing could be charged (issue 19's tester)."""
    if weight_kg is None:
        return LoadClass.UNKNOWN
    for below, load in LOAD_BANDS_KG:
        if weight_kg < below:
            return load
    return LoadClass.FROM_18T


class FeeStatus(StrEnum):
    """Where a crossing's fee stands.

    ``due``: fixed and not yet paid; ``paid``: the amount received; ``statement``: the
    enterprise pays it with its monthly statement (an agreement); ``refund_due``: cancelled
    and paid, the refund not yet sent; ``refunded``: sent back; ``void``: cancelled before it
    was paid (or a statement's fee cancelled in time): nothing is owed."""

    DUE = "due"
    PAID = "paid"
    STATEMENT = "statement"
    REFUND_DUE = "refund_due"
    REFUNDED = "refunded"
    VOID = "void"


@dataclass(frozen=True, slots=True)
class Rate:
    """One line of a schedule: the fee in VND (a whole number of dong) of a crossing in
    ``direction`` by a ``vehicle_type`` with a ``load_class`` (either ``*``: any)."""

    direction: str
    vehicle_type: str
    load_class: str
    amount_vnd: int

    @property
    def specificity(self) -> int:
        """2 for a rate naming both type and load, 1 for one of them, 0 for the catch-all."""
        return (self.vehicle_type != ANY) + (self.load_class != ANY)


def vehicle_type_key(vehicle_type: str) -> str:
    """A vehicle type as rates and vehicles are compared: trimmed, lower case."""
    return vehicle_type.strip().lower()


def check_rates(rates: Sequence[Rate], directions: Iterable[str]) -> list[Rate]:
    """The rates of a new schedule version, their vehicle types normalised.

    ValidationFailed (field ``rates``) with its ``why``: ``fee-rates-empty``,
    ``fee-amount-out-of-range`` (below 0 or above MAX_FEE_VND), ``fee-rate-duplicate`` (two
    rates for one direction, type and load), ``fee-vehicle-type`` (a control or zero-width
    character), ``fee-load-unknown`` (not a LoadClass nor ``*``),
    ``fee-direction-unknown``, ``fee-catch-all-missing`` (a direction without its ``*``/``*``
    rate: a crossing must always find a rate)."""
    known = set(directions)
    loads = {load.value for load in LoadClass} - {LoadClass.UNKNOWN.value} | {ANY}
    if not rates:
        raise ValidationFailed("a schedule needs rates", why="fee-rates-empty", field="rates")
    seen: set[tuple[str, str, str]] = set()
    checked: list[Rate] = []
    for rate in rates:
        if not 0 <= rate.amount_vnd <= MAX_FEE_VND:
            raise ValidationFailed(
                f"a rate is from 0 to {MAX_FEE_VND} VND",
                why="fee-amount-out-of-range",
                why_value=MAX_FEE_VND,
                field="rates",
            )
        if rate.direction not in known:
            raise ValidationFailed(
                f"no direction {rate.direction!r}", why="fee-direction-unknown", field="rates"
            )
        if rate.load_class not in loads:
            raise ValidationFailed(
                f"no load class {rate.load_class!r}", why="fee-load-unknown", field="rates"
            )
        if any(unicodedata.category(c).startswith("C") for c in rate.vehicle_type):
            # A control, format (zero-width) or unassigned character: no vehicle's type
            # would ever match the rate (issue 19's tester stored a lone U+200B).
            raise ValidationFailed(
                "a vehicle type is letters, digits and spaces",
                why="fee-vehicle-type",
                field="rates",
            )
        kind = vehicle_type_key(rate.vehicle_type) or ANY
        key = (rate.direction, kind, rate.load_class)
        if key in seen:
            raise ValidationFailed(
                "two rates for one direction, vehicle type and load",
                why="fee-rate-duplicate",
                field="rates",
            )
        seen.add(key)
        checked.append(Rate(rate.direction, kind, rate.load_class, rate.amount_vnd))
    for direction in known:
        if (direction, ANY, ANY) not in seen:
            raise ValidationFailed(
                f"the {direction} rates need a catch-all (vehicle type * and load *)",
                why="fee-catch-all-missing",
                field="rates",
            )
    return checked


def rate_for(rates: Iterable[Rate], direction: str, vehicle_type: str, load: LoadClass) -> Rate:
    """The most specific rate of ``direction`` matching the vehicle type and load class (a
    type named outranks a load named: the council's tables are by vehicle first). NotFound
    when none matches, which ``check_rates`` rules out for a stored schedule."""
    kind = vehicle_type_key(vehicle_type)
    matching = [
        rate
        for rate in rates
        if rate.direction == direction
        and rate.vehicle_type in (kind, ANY)
        and rate.load_class in (load.value, ANY)
    ]
    if not matching:
        raise NotFound(f"no fee rate for {direction} {kind} {load.value}")
    return max(matching, key=lambda r: (r.specificity, r.vehicle_type != ANY))


class Effective(Protocol):
    """A schedule version as the rules see it: the instant (aware) it takes effect."""

    @property
    def effective_from(self) -> datetime: ...


V = TypeVar("V", bound=Effective)


def schedule_in_force(versions: Iterable[V], at: datetime) -> V | None:
    """The version in force at ``at``: the latest ``effective_from`` at or before it (None
    before the first)."""
    moment = as_utc(at)
    candidates = [v for v in versions if as_utc(v.effective_from) <= moment]
    return max(candidates, key=lambda v: as_utc(v.effective_from), default=None)


def check_new_version(
    effective_from: datetime, now: datetime, latest: Effective | None
) -> datetime:
    """The start of a new version: never in the past (a version never rewrites fees already
    fixed: ``fee-effective-past``) and after the latest version's start
    (``fee-effective-before-latest``: the versions follow each other in time). Returned in
    UTC; ValidationFailed (field ``effective_from``) otherwise."""
    start = as_utc(effective_from)
    if start < as_utc(now):
        raise ValidationFailed(
            "a schedule takes effect now or later, never in the past",
            why="fee-effective-past",
            field="effective_from",
        )
    if latest is not None and start <= as_utc(latest.effective_from):
        raise ValidationFailed(
            "a new version takes effect after the latest one",
            why="fee-effective-before-latest",
            field="effective_from",
        )
    return start


def check_decision(decision: str) -> str:
    """The decision that set the rates (e.g. "Nghị quyết 10/2021/NQ-HĐND"), trimmed; it is
    what makes a fee traceable, so it is required (ValidationFailed, field ``decision``)."""
    text = " ".join(decision.split())
    if not text or len(text) > MAX_DECISION_LENGTH:
        raise ValidationFailed(
            f"the decision that set the rates, 1 to {MAX_DECISION_LENGTH} characters",
            why="fee-decision-required",
            why_value=MAX_DECISION_LENGTH,
            field="decision",
        )
    return text


def default_series(gate_code: str) -> str:
    """A gate's invoice series from its code: the initials of its words (huu-nghi: HN),
    padded with the code's next letters to two."""
    words = [w for w in re.split(r"[^a-z]+", gate_code.lower()) if w]
    initials = "".join(w[0] for w in words)[:6]
    letters = "".join(words)
    series = (initials if len(initials) >= 2 else (letters[:2] or "GT")).upper()
    return series.ljust(2, "X")


def invoice_number(series: str, year: int, sequence: int) -> str:
    """The invoice number ``HN260000123``: series, the year's last two digits, the sequence
    (from 1) in seven digits. Conflict when the year's numbers run out."""
    if sequence >= 10**INVOICE_SEQUENCE_DIGITS:
        raise Conflict("the invoice numbers of the year are exhausted", why="invoice-exhausted")
    return f"{series}{year % 100:02d}{sequence:0{INVOICE_SEQUENCE_DIGITS}d}"


def typed_invoice_number(text: str) -> str:
    """An invoice number as a person typed it, the way it is stored: spaces dropped, upper
    case (an officer may type ``tt 260000010``)."""
    return "".join(text.split()).upper()


def find_invoice_numbers(text: str) -> list[str]:
    """The invoice numbers a free text (a bank transfer's description) may carry, in order and
    without repeats: upper case, anything but letters, digits and spaces dropped (as banks
    do). Letters run into a number ("PHIHN260000123") leave its series unknown, so each
    series length that fits is a candidate (``IHN2...``, ``HN2...``, ...): the caller keeps
    the one that names a fee."""
    found: list[str] = []
    cleaned = re.sub(r"[^A-Z0-9 ]", "", text.upper())
    # A space between series and digits is kept by banks ("TT 260000002"), and read through.
    for match in re.finditer(r"([A-Z]{2,}) ?([0-9]{9})(?![0-9])", cleaned):
        letters, digits = match.groups()
        for size in range(min(6, len(letters)), 1, -1):
            candidate = letters[-size:] + digits
            if candidate not in found:
                found.append(candidate)
    return found


DEFAULT_REFUND_NOTICE = timedelta(minutes=120)


class RefundRule(StrEnum):
    """Why a cancellation's fee is refunded, or not (kept in the refund's row)."""

    BY_GATE = "cancelled-by-gate"
    IN_TIME = "cancelled-before-deadline"
    LATE = "cancelled-late"


@dataclass(frozen=True, slots=True)
class Settlement:
    """What a cancellation does to a fee: its new status, the amount (VND) to send back and
    the rule that decided."""

    status: FeeStatus
    refund_vnd: int
    rule: RefundRule


def refund_deadline(slot_start: datetime, notice: timedelta = DEFAULT_REFUND_NOTICE) -> datetime:
    """The last instant the enterprise may cancel a crossing booked for ``slot_start`` and
    have its fee refunded (or voided): ``notice`` before the hour starts."""
    return as_utc(slot_start) - notice


def deadline_after_move(
    deadline: datetime,
    new_start: datetime,
    now: datetime,
    *,
    by_gate: bool,
    notice: timedelta = DEFAULT_REFUND_NOTICE,
) -> datetime:
    """The refund deadline of a booking moved at ``now`` to ``new_start``. The gate's move
    (a rebooking) gives the new hour's deadline. The enterprise's own move gives it too when
    made in time; made after the deadline had passed, the deadline stays passed: a late
    move frees its place as late as a late cancellation, and would otherwise let a booking
    an hour away be moved to next week and cancelled with a refund (issue 19's tester)."""
    if by_gate or as_utc(now) <= as_utc(deadline):
        return refund_deadline(new_start, notice)
    return as_utc(deadline)


def refund_on_cancel(
    status: FeeStatus,
    paid_vnd: int,
    *,
    cancelled_at: datetime,
    deadline: datetime,
    by_gate: bool,
) -> Settlement | None:
    """The settlement of a fee whose booking is cancelled at ``cancelled_at``; None when the
    fee is already settled (refunded, void, or its refund decided).

    In time (the gate cancelled, or at or before ``deadline``: ``refund_deadline`` of the
    booked hour, or ``deadline_after_move`` once moved): a paid amount is refunded in full
    (``refund_due``), a fee not paid nor collected is void. Late: the fee stands as it is
    (``due`` stays owed, ``paid`` is kept, a statement's stays on it)."""
    if status in (FeeStatus.REFUND_DUE, FeeStatus.REFUNDED, FeeStatus.VOID):
        return None
    in_time = by_gate or as_utc(cancelled_at) <= as_utc(deadline)
    rule = RefundRule.BY_GATE if by_gate else RefundRule.IN_TIME
    if not in_time:
        return Settlement(status, 0, RefundRule.LATE)
    if paid_vnd > 0:
        return Settlement(FeeStatus.REFUND_DUE, paid_vnd, rule)
    return Settlement(FeeStatus.VOID, 0, rule)
