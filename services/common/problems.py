"""Every error as RFC 9457 problem details (application/problem+json), with a stable type per
cause. Nothing here leaks internals: unexpected errors are logged and answered generically."""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.params import ParameterKwarg
from litestar.types import ExceptionHandlersMap

from gate.domain import dispatch, errors, no_shows, payments, vietqr, yards
from gate.domain.driver import LinkGone
from gate.store.database import is_transient_conflict
from gate.store.faults import Unavailable, unavailability
from services.common.retries import mark_transient_conflict

log = logging.getLogger("gate.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "/problems/"


class FieldError(msgspec.Struct, omit_defaults=True):
    """One thing wrong with the request, in a 422 ``validation`` problem's ``errors``:
    ``message``; ``key``, the field or parameter as the client wrote it; ``source``, where it
    was (``body``, ``query``, ``path``, ``header``)."""

    message: str
    key: str | None = None
    source: str | None = None


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details, as every error of the API is answered (for the OpenAPI).

    ``type`` is ``/problems/{code}``, documented there. Members beyond the RFC's appear on
    some types: ``field`` (a refused value's name, ``validation``), ``errors`` (each thing
    wrong when the request does not match the schema, ``validation``), ``reason`` (what is
    wrong with the database, ``service-unavailable``), ``event_id`` (the device event a
    problem in a check-in batch's ``answers`` is about), ``capacity`` (``slot-full``),
    ``horizon_days`` (``invalid-slot``), ``lane`` and ``booking_code`` (the truck holding the
    lane, ``lane-occupied``)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    field: str | None = None
    errors: list[FieldError] | None = None
    reason: str | None = None
    event_id: str | None = None
    capacity: int | None = None
    horizon_days: int | None = None
    lane: str | None = None
    booking_code: str | None = None


class ProblemType(msgspec.Struct, frozen=True):
    code: str
    status: int
    title: str


def _problem(error: type[errors.DomainError], status: int) -> ProblemType:
    return ProblemType(error.code, status, error.title)


# The catalogue of problem types; each is documented at /problems/{code}.
PROBLEM_TYPES: dict[str, ProblemType] = {
    p.code: p
    for p in [
        _problem(errors.ValidationFailed, 422),
        _problem(errors.InvalidPlate, 422),
        _problem(errors.InvalidSlot, 422),
        _problem(errors.IdempotencyKeyReused, 422),
        _problem(errors.EventIdReused, 422),
        _problem(payments.MalformedNotification, 422),
        _problem(vietqr.InvalidVietQR, 422),
        _problem(errors.NotFound, 404),
        _problem(errors.Conflict, 409),
        _problem(errors.SlotFull, 409),
        _problem(errors.SlotClosed, 409),
        _problem(errors.PlateAlreadyBooked, 409),
        _problem(errors.VehicleHeldByAnother, 409),
        _problem(errors.RegistrationMismatch, 409),
        _problem(errors.VersionConflict, 409),
        _problem(errors.InvalidTransition, 409),
        _problem(errors.AlreadyExists, 409),
        _problem(errors.LaneOccupied, 409),
        _problem(no_shows.PeakShareExceeded, 409),
        _problem(dispatch.NotWaitingInYard, 409),
        _problem(yards.YardFull, 409),
        _problem(yards.YardClosed, 409),
        _problem(yards.AlreadyInYard, 409),
        _problem(yards.AlreadyAtGate, 409),
        _problem(errors.Unauthorised, 401),
        _problem(payments.BadSignature, 401),
        _problem(errors.Forbidden, 403),
        _problem(LinkGone, 410),
        ProblemType("bad-request", 400, "The request could not be read"),
        ProblemType("method-not-allowed", 405, "Method not allowed"),
        ProblemType("request-timeout", 408, "The request was not received in time"),
        ProblemType("payload-too-large", 413, "The request body is too large"),
        ProblemType(
            "unsupported-media-type", 415, "The body is not of a media type this route reads"
        ),
        _problem(errors.TooManyRequests, 429),
        ProblemType("request-header-fields-too-large", 431, "The request's headers are too large"),
        ProblemType("service-unavailable", 503, "The database is unavailable; try again shortly"),
        ProblemType("internal", 500, "Something went wrong on our side"),
    ]
}
_BY_STATUS = {
    400: "bad-request",
    401: "unauthorised",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    408: "request-timeout",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation",
    429: "too-many-requests",
    431: "request-header-fields-too-large",
    503: "service-unavailable",
}


def problem_body(code: str, detail: str, instance: str | None, **extensions: Any) -> bytes:
    kind = PROBLEM_TYPES[code]
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extensions)
    return msgspec.json.encode(body)


def problem_response(
    code: str,
    detail: str,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response[bytes]:
    return Response(
        content=problem_body(code, detail, instance, **extensions),
        status_code=PROBLEM_TYPES[code].status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def domain_error_answer(error: errors.DomainError) -> tuple[int, bytes]:
    """Status and body for a domain error, as stored for idempotent replays."""
    kind = PROBLEM_TYPES.get(error.code) or PROBLEM_TYPES["conflict"]
    body = problem_body(kind.code, error.detail, None, **error.extensions)
    return kind.status, body


def on_domain_error(request: Request[Any, Any, Any], error: errors.DomainError) -> Response[bytes]:
    code = error.code if error.code in PROBLEM_TYPES else "conflict"
    log.info("api.problem", extra={"problem": code, "path": request.url.path})
    headers = {"WWW-Authenticate": "Bearer"} if code == "unauthorised" else None
    if isinstance(error, errors.TooManyRequests):
        headers = {"Retry-After": str(error.retry_after)}
    return problem_response(code, error.detail, request.url.path, headers, **error.extensions)


def on_http_error(request: Request[Any, Any, Any], error: HTTPException) -> Response[bytes]:
    if isinstance(error, ValidationException):
        found = _validation_errors(request, error)
        if not found and (missing := _MISSING.match(error.detail or "")):
            # Litestar says which parameter is missing only in its message: name it as the
            # client must write it, like any other validation error.
            source, name = missing.groups()
            found = [{"message": f"{name} is required", "key": name, "source": source}]
        return problem_response(
            "validation",
            "the request does not match the schema",
            request.url.path,
            errors=found,
        )
    code = _BY_STATUS.get(error.status_code)
    if code is None:
        code = "internal" if error.status_code >= 500 else "bad-request"
    detail = error.detail if error.status_code < 500 else PROBLEM_TYPES[code].title
    if isinstance(error, NotFoundException) and detail == "Not Found":
        detail = "no such resource"
    return problem_response(code, detail, request.url.path, dict(error.headers or {}) or None)


# Litestar's message for a required parameter that was not sent.
_MISSING = re.compile(r"Missing required (\w+) parameter '([^']+)'")


def _validation_errors(
    request: Request[Any, Any, Any], error: ValidationException
) -> list[dict[str, Any]]:
    extra = error.extra
    if isinstance(extra, list):
        found = [e if isinstance(e, dict) else {"message": str(e)} for e in extra]
    elif isinstance(extra, dict):
        found = [extra]
    else:
        found = []
    return [_by_wire_name(request, e) for e in found]


def _by_wire_name(request: Request[Any, Any, Any], found: dict[str, Any]) -> dict[str, Any]:
    """Litestar names a parameter by the handler's argument (``from_``); the client wrote
    the parameter's own name (``from``). Body fields are named by msgspec, already as sent."""
    key = found.get("key")
    if not isinstance(key, str) or found.get("source") == "body":
        return found
    try:
        parameters = request.route_handler.parsed_fn_signature.parameters
    except AttributeError:  # no route matched: nothing to rename
        return found
    head, dot, rest = key.partition(".")
    kwarg = parameters[head].kwarg_definition if head in parameters else None
    if isinstance(kwarg, ParameterKwarg) and kwarg.name:
        return {**found, "key": kwarg.name + dot + rest}
    return found


def on_unexpected_error(request: Request[Any, Any, Any], error: Exception) -> Response[bytes]:
    if is_transient_conflict(error):
        # A deadlock or serialization failure the lock-order rule did not prevent: the
        # transaction was rolled back whole, so the client may safely send it again.
        log.warning("api.transient_conflict", extra={"path": request.url.path})
        mark_transient_conflict(request.scope)  # services/common/retries.py runs it again
        return problem_response(
            "service-unavailable",
            "a concurrent change got in the way; the request changed nothing, retry it",
            request.url.path,
            {"Retry-After": "1"},
        )
    kind = unavailability(error)
    if kind is not None:
        return database_unavailable(request, kind)
    log.exception("api.unexpected_error", extra={"path": request.url.path})
    return problem_response("internal", "an unexpected error; it has been logged", request.url.path)


# How long a client should wait before sending again, by what is wrong (seconds). A busy pool
# frees within a second; a restart or a failover takes several; a read-only folder or a full
# disk waits for an operator.
RETRY_AFTER_S = {
    Unavailable.BUSY: 1,
    Unavailable.CANCELLED: 1,
    Unavailable.READ_ONLY: 10,
    Unavailable.READ_ONLY_FILE: 30,
    Unavailable.DISK_FULL: 30,
    Unavailable.IO_ERROR: 30,
}
DEFAULT_RETRY_AFTER_S = 5


def database_unavailable(request: Request[Any, Any, Any], kind: Unavailable) -> Response[bytes]:
    """503 problem details naming what is wrong with the database (``reason``: one of
    ``gate.store.faults.Unavailable``), with a Retry-After to match."""
    log.warning("api.database_unavailable", extra={"path": request.url.path, "reason": kind})
    retry_after = RETRY_AFTER_S.get(kind, DEFAULT_RETRY_AFTER_S)
    return problem_response(
        "service-unavailable",
        f"{kind.description}; the request changed nothing, retry in {retry_after} s",
        request.url.path,
        {"Retry-After": str(retry_after)},
        reason=kind.value,
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    errors.DomainError: on_domain_error,
    HTTPException: on_http_error,
    Exception: on_unexpected_error,
}
