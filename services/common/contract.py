"""The OpenAPI contract of each operation, written on its route: what a partner's developer
reads at ``/schema`` and what ``tests/integration/test_contract.py`` holds the app to.

A route's decorator takes ``**documented(...)``: a summary in words, the credentials it takes
(none: a public operation, which then carries no ``security``; any other operation carries the
``bearer`` scheme and names its kinds of credential in its description), the answer it sends
when the handler hands back stored bytes (an idempotent replay: Litestar would document
``Response[bytes]`` as a string) and the problem types its rules can answer. What follows
from the route's shape is added without being written:

* every operation: ``422 validation`` (any query value, path value or declared header is
  checked, ``services/api/requests.py``) and, unless it touches no database, ``503
  service-unavailable``;
* a credential: ``401 unauthorised``, and ``403 forbidden`` unless any credential will do;
* a JSON body: ``400 bad-request`` (not JSON, nested too deep), ``413 payload-too-large`` and
  ``415 unsupported-media-type``.

Every error is RFC 9457 problem details (``application/problem+json``,
``services/api/problems.py``). Litestar documents a ``400`` of its own shape (``status_code``,
``detail``, ``extra``) on every route with a parameter; the API never sends that shape (its
validation errors are the 422 above), so ``ContractOperation`` drops it (where a body is read,
the 400 ``bad-request`` problem takes its place).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

from litestar import get
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType as MediaTypeObject
from litestar.openapi.spec import OpenAPIResponse as ResponseObject
from litestar.openapi.spec import Operation, Reference
from litestar.params import FromPath

from gate.domain.errors import NotFound
from services.common.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPES, Problem, ProblemType

BEARER = "bearer"
SECURED: list[dict[str, list[str]]] = [{BEARER: []}]

# The kinds of credential, as a partner's developer reads them (docs/architecture.md,
# "Accounts"; gate/accounts/principal.py decides).
ADMIN = "the administrator's token"
MANAGER = (
    "an enterprise manager's credential: an API key (`gk_…`) of scope `manager` or a "
    "manager user's session (`gs_…`); or the administrator's token"
)
ENTERPRISE = (
    "an enterprise's credential: an API key (`gk_…`, scope `booking` or `manager`) or a "
    "user's session (`gs_…`)"
)
OFFICER = "an officer's session (`gs_…`), of an officer serving this gate"
DEVICE = "a gate device's key, of a device registered at this gate"
YARD_MANAGER = (
    "a manager's credential of the yard enterprise running this yard (an API key of scope "
    "`manager` or a manager user's session); or the administrator's token"
)
YARD_STAFF = "a credential of the yard enterprise running this yard (an API key or a session)"
YARD_READER = (
    f"{YARD_STAFF}; an officer's session, of an officer serving a gate this yard serves; "
    "or the administrator's token"
)
YARD_DEVICE = "a yard device's key (`yd_…`), of a device registered at this yard"
ANY = (
    "any credential: the administrator's token, an API key, a session, a device key or a "
    "yard device key"
)

# Problems every operation with a JSON body can answer, before its handler runs.
BODY_PROBLEMS = ("bad-request", "payload-too-large", "unsupported-media-type")


def documented(
    summary: str,
    *,
    credentials: Iterable[str] = (),
    answer: tuple[int, Any, str] | None = None,
    problems: Iterable[str] = (),
    database: bool = True,
) -> dict[str, Any]:
    """Keyword arguments for a route decorator (``@post(..., **documented(...))``).

    ``summary``: one line for a partner's developer. ``credentials``: the kinds it takes
    (``ADMIN``, ``MANAGER``, ``ENTERPRISE``, ``OFFICER``, ``DEVICE``, ``ANY``, the yards'
    ``YARD_MANAGER``, ``YARD_STAFF``, ``YARD_READER``, ``YARD_DEVICE``); none makes the
    operation public. ``answer``: ``(status, type, description)`` of the success answer when
    the handler returns stored bytes. ``problems``: the problem ``type`` codes its rules can
    answer beyond those the module's docstring adds (e.g. ``not-found``, ``slot-full``).
    ``database``: False for the few operations that never touch it (no 503)."""
    kinds = tuple(credentials)
    codes = ["validation", *problems]
    if database:
        codes.append("service-unavailable")
    if kinds:
        codes.append("unauthorised")
        if kinds != (ANY,):
            codes.append("forbidden")
    responses = problem_specs(codes)
    if answer is not None:
        status, data, description = answer
        responses[status] = ResponseSpec(data, description=description, generate_examples=False)
    decorated: dict[str, Any] = {
        "summary": summary,
        "responses": responses,
        "operation_class": _operation_class(kinds),
    }
    if kinds:
        decorated["security"] = SECURED
    return decorated


def problem_specs(codes: Iterable[str]) -> dict[int, ResponseSpec]:
    """The problem answers for ``codes``, one per status, each naming its ``type`` codes."""
    by_status: dict[int, set[str]] = {}
    for code in codes:
        by_status.setdefault(PROBLEM_TYPES[code].status, set()).add(code)
    return {
        status: ResponseSpec(
            Problem,
            description=_problem_description(found),
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
        )
        for status, found in sorted(by_status.items())
    }


def _problem_description(codes: Iterable[str]) -> str:
    return "Problem details; `type`: " + ", ".join(
        f"`/problems/{code}` ({PROBLEM_TYPES[code].title.lower()})" for code in sorted(codes)
    )


@dataclass
class ContractOperation(Operation):
    """An operation as the API really answers it (see the module's docstring): Litestar's own
    error shape dropped, the body's problems added, the credentials named."""

    credentials: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        responses = dict(self.responses or {})
        # Litestar's own 400 (``status_code``, ``detail``, ``extra``): never sent by this API.
        if "400" in responses and not _is_problem(responses["400"]):
            del responses["400"]
        if self.request_body is not None:
            for code in BODY_PROBLEMS:
                kind = PROBLEM_TYPES[code]
                responses.setdefault(
                    str(kind.status),
                    ResponseObject(
                        description=_problem_description([code]),
                        content={PROBLEM_MEDIA_TYPE: MediaTypeObject(schema=_PROBLEM_SCHEMA)},
                    ),
                )
        self.responses = dict(sorted(responses.items()))
        if self.credentials:
            who = "; or ".join(self.credentials)
            credential = f"**Credential** (`Authorization: Bearer …`): {who}."
            self.description = (
                f"{self.description}\n\n{credential}" if self.description else credential
            )


_PROBLEM_SCHEMA = Reference(ref=f"#/components/schemas/{Problem.__name__}")


def _is_problem(response: Any) -> bool:
    return isinstance(response, ResponseObject) and PROBLEM_MEDIA_TYPE in (response.content or {})


@cache
def _operation_class(credentials: tuple[str, ...]) -> type[ContractOperation]:
    """One ``ContractOperation`` subclass per set of credentials (Litestar takes a class per
    route, not an instance), made once."""
    return type("ContractOperation", (ContractOperation,), {"credentials": credentials})


@get(
    "/problems/{code:str}",
    operation_id="describeProblemType",
    tags=["problems"],
    sync_to_thread=False,
    **documented("What a problem type means", problems=["not-found"], database=False),
)
def describe_problem_type(code: FromPath[str]) -> ProblemType:
    """What a problem ``type`` (``/problems/{code}``) means: its status and title."""
    if code not in PROBLEM_TYPES:
        raise NotFound(f"no problem type {code!r}")
    return PROBLEM_TYPES[code]
