"""What keeps every input checked as the platform grows: each body a route reads is an API
``Input`` (so its text and times are checked as it is decoded), and each text field of one has
a bound on its length (a length or an anchored pattern), so no route stores text of any size."""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec.inspect as mi
from litestar.routes import HTTPRoute

from gate.config import Settings
from services.app import create_app
from services.common.schemas import Input


def _body_types(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path}/x.db")
    for route in create_app(settings).routes:  # the routes only: it is never started
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            data = handler.parsed_fn_signature.parameters.get("data")
            if data is not None:
                yield route.path, data.annotation


def test_every_json_body_a_route_reads_is_an_api_input(tmp_path: Path) -> None:
    found = dict(_body_types(tmp_path))
    assert "/api/v1/bookings" in found
    for path, kind in found.items():
        if kind == dict[str, str]:  # a page's form, decoded into an Input by the page
            pages = ("/portal", "/console", "/yards", "/language", "/sign-in")
            # The accounts' forms with no session (services/web/accounts.py), checked field
            # by field so that each reason shows under its field in the page's language.
            pages += ("/sign-up", "/account/", "/forgot-password")
            assert path.startswith(pages), path
            continue
        # An optional body (``Input | None``) is read as its Input when one is sent.
        options = [k for k in typing.get_args(kind) if k is not type(None)] or [kind]
        assert len(options) == 1, (path, kind)
        assert isinstance(options[0], type) and issubclass(options[0], Input), (path, kind)


def _texts(kind: Any, at: str) -> Iterator[tuple[str, mi.StrType]]:
    if isinstance(kind, mi.Metadata):
        yield from _texts(kind.type, at)
    elif isinstance(kind, mi.UnionType):
        for option in kind.types:
            yield from _texts(option, at)
    elif isinstance(kind, mi.ListType | mi.VarTupleType):
        yield from _texts(kind.item_type, f"{at}[]")
    elif isinstance(kind, mi.StrType):
        yield at, kind


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_text_field_of_an_input_has_a_bounded_length(tmp_path: Path) -> None:
    list(_body_types(tmp_path))  # every route's module imported, so every Input defined
    inputs = set(_subclasses(Input))
    assert len(inputs) > 20
    for cls in inputs:
        info = mi.type_info(cls)
        assert isinstance(info, mi.StructType)
        for field in info.fields:
            for at, text in _texts(field.type, f"{cls.__name__}.{field.name}"):
                assert text.max_length is not None or _bounds_length(text.pattern), at


def _bounds_length(pattern: str | None) -> bool:
    """An anchored pattern with no unbounded repetition (``*``, ``+``, ``{n,}``)."""
    if not pattern or not (pattern.startswith("^") and pattern.endswith("$")):
        return False
    unescaped = re.sub(r"\\.", "", pattern)
    return not re.search(r"[*+]|\{\d*,\}", unescaped)
