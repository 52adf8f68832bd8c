"""The pages' forms decoded into the API's own input types, so a form is held to exactly the
constraints of the API call it stands for (lengths, patterns, ranges, characters, times):
one definition in ``services/api/*/schemas.py``, not a copy here. A form the API would refuse
sends the user back to it with the reason (post, redirect, get), and nothing is stored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from gate.domain.errors import ValidationFailed
from services.common.schemas import Input

T = TypeVar("T", bound=Input)


def decode_form(form: Mapping[str, str], into: type[T], **fields: Any) -> T:
    """The form's fields named as ``into``'s (its wire names) decoded into ``into``, with
    ``fields`` (what a page writes otherwise: a checkbox, a nested part, a local time) in
    their place. An empty field counts as not sent: a browser sends an empty input as ``""``,
    where an API client leaves the field out. Text is converted as a form must be (``"12.5"``
    to a number, ``"true"`` to a boolean); everything else is the API's rule.

    Raises ValidationFailed with the reason, naming the field: msgspec's message for a
    constraint (``Expected `str` of length <= 300 - at `$.reason```), or the input type's own
    check (a control character, a time outside the accepted window)."""
    values: dict[str, Any] = {
        name: form[name] for name in into.__struct_encode_fields__ if form.get(name)
    }
    values.update((name, value) for name, value in fields.items() if value is not None)
    try:
        return msgspec.convert(values, into, strict=False)
    except msgspec.ValidationError as error:
        raise ValidationFailed(str(error)) from None
