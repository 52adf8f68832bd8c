"""Every request's input checked in one place, before its body is decoded, its caller
authenticated or its handler run: the app's before-request hook, for every HTTP route (API,
check-in, pages), so a route added later is covered without a line of its own.

* **Content-Type** (415 ``unsupported-media-type``): a route that takes a JSON body takes
  ``application/json`` (or ``application/*+json``), in UTF-8 as RFC 8259 requires; a page's
  form takes ``application/x-www-form-urlencoded`` or ``multipart/form-data``. A body without
  a Content-Type is read as the route's kind: devices and scripts omit it, and a body that is
  not what the route reads is refused by its decoder anyway.
* **JSON nesting** (400 ``bad-request``): deeper than ``MAX_JSON_DEPTH`` is refused before it is
  decoded. msgspec decodes a body into plain values first (Litestar's way), recursing once per
  level; a 64 KiB body of ``[`` is 65,536 levels, and the decoder's RecursionError was a 500,
  before authentication. The deepest body a route takes is three levels (a batch's events).
* **Text** (422 ``validation`` naming the field): path and query values, the headers a route
  declares (``Idempotency-Key``) and every form field are held to ``gate.domain.text``. Path,
  query and header values are one line; form fields may hold line breaks, and the type they
  are decoded into (an API ``Input``) then says which of them may (``FREE_TEXT``). JSON bodies
  are checked field by field as they are decoded (``services.common.schemas.Input``). Bearer
  tokens are checked by their own grammar (``gate.accounts.credentials.split_token``).
* **Times** in query parameters and headers: ``services.common.instants``.
* **JSON types as declared** (422 ``validation`` naming the field): a JSON body is decoded
  strictly into the route's type first, so a value of another JSON type than the schema's is
  refused. Litestar converts bodies leniently (msgspec ``strict=False``, which query strings
  need): it took ``0`` for a time (the Unix epoch), ``"5"`` for a number and ``"true"`` for a
  boolean, none of which the API documents.
* **A missing JSON body** (422 ``validation``): a route that needs one and got none says so,
  naming the fields it reads, before Litestar's decoder answers ``'data'`` (the name of the
  handler's argument, which means nothing to a client).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import msgspec
from litestar import Request
from litestar.enums import ParamType, RequestEncodingType
from litestar.exceptions import ClientException, HTTPException, ValidationException
from litestar.params import BodyKwarg, ParameterKwarg
from litestar.types import RouteHandlerType
from litestar.utils.scope.state import ScopeState

from gate.domain.errors import ValidationFailed
from gate.domain.text import accepted_text
from services.common.instants import check_time_parameters

MAX_JSON_DEPTH = 16
# The largest request body the app reads (413 past it): the API's bodies are a booking or a
# batch of check-ins, far below; services/common/retries.py buffers up to the same bound.
MAX_BODY_BYTES = 64 * 1024
JSON_TYPES = ("application/json",)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# A JSON string, so that brackets inside one are not counted (escapes included). From its
# opening quote it always matches (an unclosed string, a lone backslash: up to the end) and
# never backtracks (``*+``), so removing them all is one linear pass. A pattern that could
# fail there would be retried from every escaped quote inside: quadratic, 16 s of CPU for
# 60 KB of ``\"`` before authentication.
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.?)*+(?:"|\Z)', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# +1 for an opening bracket, -1 for a closing one: the running sum is the depth.
_STEP = tuple(1 if b in b"[{" else -1 if b in b"]}" else 0 for b in range(256))


def json_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text ``body`` opens more than ``limit`` arrays or objects inside one
    another (unclosed ones count: the decoder recurses into them as deep). Counted without
    decoding, at C speed: a body with at most ``limit`` brackets in all is shallow enough."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > limit


@dataclass(frozen=True, slots=True)
class _Plan:
    """What one route reads: its body's kind (None: no body), the headers it declares, and
    when the body is required, what to say to a request that sent none."""

    body: str | None
    headers: tuple[str, ...]
    body_needed: str | None = None
    strict: msgspec.json.Decoder[Any] | None = None


_plans: dict[Any, _Plan] = {}


def _plan(handler: RouteHandlerType) -> _Plan:
    # Keyed by the handler's function: one signature, whichever app mounts it.
    found = _plans.get(handler.fn)
    if found is None:
        body, headers, needed, strict = None, [], None, None
        for name, field in handler.parsed_fn_signature.parameters.items():
            kwarg = field.kwarg_definition
            if name == "data":
                media = kwarg.media_type if isinstance(kwarg, BodyKwarg) else None
                body = RequestEncodingType(media or RequestEncodingType.JSON).value
                if body == RequestEncodingType.JSON:
                    strict = _strict_decoder(field.annotation)
                    if field.is_required:
                        needed = _json_body_needed(field.annotation)
            elif isinstance(kwarg, ParameterKwarg) and kwarg.param_type is ParamType.HEADER:
                headers.append(kwarg.name or kwarg.header or name)
        found = _plans[handler.fn] = _Plan(body, tuple(headers), needed, strict)
    return found


def _strict_decoder(body_type: Any) -> msgspec.json.Decoder[Any] | None:
    """A strict decoder of ``body_type``; None for a type msgspec cannot decode (Litestar's
    own conversion then stands alone)."""
    try:
        return msgspec.json.Decoder(body_type, strict=True)
    except TypeError:
        return None


def _json_body_needed(body_type: Any) -> str:
    """What a route whose JSON body is missing answers: that it needs one, and the fields of
    its type when it is an object (required ones first)."""
    if not (isinstance(body_type, type) and issubclass(body_type, msgspec.Struct)):
        return "this route needs a JSON body"
    fields = msgspec.structs.fields(body_type)
    required = [f.encode_name for f in fields if f.required]
    optional = [f.encode_name for f in fields if not f.required]
    needs = "this route needs a JSON body: an object with"
    if not required:
        return f"{needs} any of {', '.join(optional)} ({{}} for none)"
    return f"{needs} {', '.join(required)}" + (
        f"; optionally {', '.join(optional)}" if optional else ""
    )


def body_kind(handler: RouteHandlerType) -> str | None:
    """The media type of the body a route reads (``application/json``, a form's), or None."""
    return _plan(handler).body


def _check_media_type(request: Request[Any, Any, Any], body: str) -> None:
    if "content-type" not in request.headers:
        return
    media_type, options = request.content_type
    if body == RequestEncodingType.JSON:
        is_json = media_type in JSON_TYPES or (
            media_type.startswith("application/") and media_type.endswith("+json")
        )
        charset = options.get("charset", "utf-8").lower()
        if is_json and charset in ("utf-8", "utf8"):
            return
        wanted = "application/json in UTF-8"
    elif media_type in FORM_TYPES:
        return
    else:
        wanted = "a form (application/x-www-form-urlencoded)"
    raise HTTPException(
        status_code=415, detail=f"this route reads {wanted}, not {media_type or 'nothing'}"
    )


# msgspec's message: "Expected `str`, got `int` - at `$.starts_at`" (the path as sent).
_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$\.?(?P<key>[^`]*)`)?$", re.DOTALL)


def _decode_strictly(decoder: msgspec.json.Decoder[Any], body: bytes) -> tuple[bool, Any]:
    """Refuse a JSON body whose values are not of the types its schema declares, as Litestar
    refuses one that does not match at all (ValidationException: 422 ``validation``, the
    field named as sent). Text that is not JSON is left to Litestar's own decoder (400):
    ``(False, None)``; else ``(True, the decoded body)``."""
    try:
        return True, decoder.decode(body)
    except msgspec.ValidationError as error:
        found = _AT.match(str(error))
        assert found is not None  # the pattern matches any text
        detail = {"message": found["message"], "source": "body"}
        if found["key"]:
            detail["key"] = found["key"]
        raise ValidationException(
            detail="the request does not match the schema", extra=[detail]
        ) from None
    except msgspec.DecodeError:
        return False, None


async def check_request(request: Request[Any, Any, Any]) -> None:
    """Before-request hook: refuse what the module's docstring lists, with a 4xx problem."""
    plan = _plan(request.route_handler)
    for name, value in request.path_params.items():
        if isinstance(value, str):
            accepted_text(value, name)
    for name, value in request.query_params.multi_items():
        accepted_text(value, name)
    for name in plan.headers:
        for value in request.headers.getall(name, []):
            accepted_text(value, name)
    if plan.body_needed is not None and not await request.body():
        raise ValidationFailed(
            plan.body_needed, errors=[{"message": plan.body_needed, "source": "body"}]
        )
    if plan.body is not None and await request.body():
        _check_media_type(request, plan.body)
        if plan.body == RequestEncodingType.JSON:
            if json_too_deep(await request.body()):
                raise ClientException(
                    f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels"
                )
            if plan.strict is not None:
                decoded, value = _decode_strictly(plan.strict, await request.body())
                if decoded:
                    # Handed to Litestar as the request's JSON (``Request.json`` reads it
                    # from the scope's state): its conversion to the route's type passes an
                    # instance of that type through, so the body is decoded and checked
                    # once (issue 20: a check-in's body was decoded twice, its checks run
                    # twice). What a strict decode accepts, the lenient one reads alike.
                    ScopeState.from_scope(request.scope).json = value
        else:
            for name, value in (await request.form()).multi_items():
                if isinstance(value, str):
                    accepted_text(value, name, free_text=True)
    await check_time_parameters(request)


__all__ = ["MAX_JSON_DEPTH", "body_kind", "check_request", "json_too_deep"]
