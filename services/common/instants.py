"""Times in query parameters and headers held to the window bodies are held to.

Litestar decodes a route's parameters with msgspec, which reads any RFC 3339 time, year 1 to
9999 with any offset; the range the platform accepts (``gate.domain.time.accepted_instant``)
is no msgspec constraint. Bodies check it as they are decoded (``services.common.schemas.Input``);
parameters are checked here, before the handler's parameters are decoded, for every route
from its signature, so a route added later with a time parameter is covered without a line
of its own. A value msgspec would not read at all is left to Litestar's own 422.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Request
from litestar.enums import ParamType
from litestar.params import ParameterKwarg
from litestar.types import RouteHandlerType

from gate.domain.time import accepted_instant

_TimeParameter = tuple[ParamType, str]
_known: dict[Any, tuple[_TimeParameter, ...]] = {}


def _time_parameters(handler: RouteHandlerType) -> tuple[_TimeParameter, ...]:
    """Where (query, header, cookie) and under which wire name each time parameter comes."""
    found = []
    for name, field in handler.parsed_fn_signature.parameters.items():
        if not (field.is_subclass_of(datetime) or field.has_inner_subclass_of(datetime)):
            continue
        kwarg = field.kwarg_definition
        if isinstance(kwarg, ParameterKwarg):
            found.append((kwarg.param_type or ParamType.QUERY, kwarg.name or name))
        else:
            found.append((ParamType.QUERY, name))
    return tuple(found)


def _raw(request: Request[Any, Any, Any], where: ParamType, name: str) -> str | None:
    if where is ParamType.QUERY:
        return request.query_params.get(name)
    if where is ParamType.HEADER:
        return request.headers.get(name)
    if where is ParamType.COOKIE:
        return request.cookies.get(name)
    return None  # path parameters: no route takes a time in its path


async def check_time_parameters(request: Request[Any, Any, Any]) -> None:
    """Before-request hook: refuse (ValidationFailed, 422) a time parameter outside the
    accepted window, naming it as the client wrote it (``from``, not ``from_``)."""
    handler = request.route_handler
    # Keyed by the handler's function: one signature, whichever app mounts it.
    wanted = _known.get(handler.fn)
    if wanted is None:
        wanted = _known[handler.fn] = _time_parameters(handler)
    for where, name in wanted:
        raw = _raw(request, where, name)
        if raw is None:
            continue
        try:
            moment = msgspec.convert(raw, datetime, strict=False)
        except msgspec.ValidationError:
            continue  # not a time at all: the parameter's own decoding answers 422
        accepted_instant(moment, name)
