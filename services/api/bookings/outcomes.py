"""The outcome a booking attempt is counted under (``gate_bookings``, gate/metrics.py): booked,
replayed, or the refusal's problem type (a finite list: PROBLEM_TYPES), whichever way it was
decided (the rush's batch answers bytes; one by one, a response or a raised refusal)."""

from __future__ import annotations

import msgspec
from litestar import Response

from gate.domain.errors import DomainError
from gate.metrics import BOOKINGS
from services.common.idempotency import REPLAY_HEADER
from services.common.problems import PROBLEM_TYPES, TYPE_BASE


class _Problem(msgspec.Struct):
    type: str = ""


_problem = msgspec.json.Decoder(_Problem)


def answer_outcome(answer: Response[bytes]) -> str:
    """``booked`` (201), ``replayed`` (an Idempotency-Key's first answer again), else the
    problem type of the refusal in the body (its status when the body names none)."""
    if answer.headers.get(REPLAY_HEADER) == "true":
        return "replayed"
    if answer.status_code == 201:
        return "booked"
    try:
        code = _problem.decode(answer.content).type.removeprefix(TYPE_BASE)
    except (msgspec.DecodeError, TypeError):
        return str(answer.status_code)
    return code if code in PROBLEM_TYPES else str(answer.status_code)


def refusal_outcome(error: DomainError) -> str:
    """The problem type a raised refusal is answered with (services/common/problems.py)."""
    return error.code if error.code in PROBLEM_TYPES else "conflict"


def count_booking(outcome: str) -> None:
    """One booking attempt answered with ``outcome``."""
    BOOKINGS.labels(outcome).inc()
