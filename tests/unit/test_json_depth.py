"""The nesting bound of JSON bodies, counted on the bytes before decoding
(services/common/requests.py::json_too_deep)."""

from __future__ import annotations

import time

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.requests import MAX_JSON_DEPTH, json_too_deep

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=30,
)


def _depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


@given(json_values)
def test_the_depth_counted_on_the_bytes_is_the_depth_of_the_value(value: object) -> None:
    """Brackets inside strings (escaped quotes included) do not count."""
    body = msgspec.json.encode(value)
    for limit in (0, 1, 2, 3):
        assert json_too_deep(body, limit) == (_depth(value) > limit), body


@pytest.mark.parametrize(
    ("body", "deep"),
    [
        (b"[" * (MAX_JSON_DEPTH + 1), True),  # unclosed: the decoder recurses as deep
        (b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH, False),
        (b'{"events": [' + b'{"plate": "[[[[{{{{"},' * 200 + b"{}]}", False),
        (b'["\\\\"' + b"[" * 40, True),  # an escaped backslash, then the string is closed
        (b'["abc\\' + b"[" * 40, False),  # a lone backslash at the end: all inside a string
    ],
)
def test_deep_unclosed_and_string_bound_brackets_are_told_apart(body: bytes, deep: bool) -> None:
    assert json_too_deep(body) is deep


def test_counting_is_linear_whatever_the_strings_hold() -> None:
    """An unclosed string full of escaped quotes: a pattern that backtracked would rescan
    it from every quote (quadratic: about 16 s for this body), before authentication."""
    body = b"[" * (MAX_JSON_DEPTH + 1) + b'"' + b'\\"' * 30_000
    started = time.perf_counter()
    assert json_too_deep(body)
    assert time.perf_counter() - started < 1.0
