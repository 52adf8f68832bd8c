"""Shared pieces of the API's msgspec types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
import msgspec.inspect

from gate.domain.text import accepted_text
from gate.domain.time import accepted_instant, as_local

# Marks a text type as free text (a reason, a notice): tab and line breaks allowed in it
# (gate/domain/text.py). Put it in the type, so the form and the API share it.
FREE_TEXT = msgspec.Meta(extra={"free_text": True})
_free_text_fields: dict[type, frozenset[str]] = {}


def _is_free_text(kind: Any) -> bool:
    if isinstance(kind, msgspec.inspect.Metadata):
        return bool((kind.extra or {}).get("free_text")) or _is_free_text(kind.type)
    if isinstance(kind, msgspec.inspect.UnionType):
        return any(_is_free_text(k) for k in kind.types)
    if isinstance(kind, msgspec.inspect.ListType | msgspec.inspect.VarTupleType):
        return _is_free_text(kind.item_type)
    return False


def free_text_fields(struct: type[msgspec.Struct]) -> frozenset[str]:
    """The fields of ``struct`` typed as free text (by ``FREE_TEXT``), computed once."""
    found = _free_text_fields.get(struct)
    if found is None:
        info = msgspec.inspect.type_info(struct)
        assert isinstance(info, msgspec.inspect.StructType)
        found = frozenset(f.name for f in info.fields if _is_free_text(f.type))
        _free_text_fields[struct] = found
    return found


class Input(msgspec.Struct, forbid_unknown_fields=True):
    """Request bodies (and the pages' forms, decoded into the same types): an unknown field
    is an error, not silently dropped, and every value is checked as it is decoded, so no
    handler meets one it cannot store or convert:

    * every time is an instant the platform accepts (``gate.domain.time.accepted_instant``);
    * every text holds only characters the platform accepts (``gate.domain.text``): none of
      the control characters, NUL or lone surrogates, and tab and line breaks only in fields
      typed as free text (``FREE_TEXT``).

    A refusal is a ValidationFailed naming the field as the client wrote it (its encoded
    name). It is raised as is, not as the ValueError msgspec would wrap: msgspec would name
    the enclosing struct (``$``, ``$.events[0]``), not the field.
    """

    def __post_init__(self) -> None:
        free = free_text_fields(type(self))
        for name, wire_name in zip(
            self.__struct_fields__, self.__struct_encode_fields__, strict=True
        ):
            value = getattr(self, name)
            if isinstance(value, str):
                accepted_text(value, wire_name, free_text=name in free)
            elif isinstance(value, datetime):
                accepted_instant(value, wire_name)
            elif isinstance(value, list | tuple):
                for item in value:
                    if isinstance(item, str):
                        accepted_text(item, wire_name, free_text=name in free)
                    elif isinstance(item, datetime):
                        accepted_instant(item, wire_name)


class Output(msgspec.Struct):
    """Response bodies."""


ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
# A gate's or yard's device name: stored in 100 characters (devices.name, yard_devices.name).
DeviceName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
# What a person writes in sentences: free text (tab and line breaks allowed).
LongText = Annotated[str, msgspec.Meta(min_length=1, max_length=500), FREE_TEXT]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=300), FREE_TEXT]
Email = Annotated[str, msgspec.Meta(max_length=254, pattern=r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")]
Password = Annotated[str, msgspec.Meta(min_length=10, max_length=200)]
Phone = Annotated[str, msgspec.Meta(pattern=r"^\+?[0-9 ]{6,19}$")]
PlateText = Annotated[str, msgspec.Meta(min_length=4, max_length=20)]
Identifier = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Capacity = Annotated[int, msgspec.Meta(ge=0, le=10_000)]
Hour = Annotated[int, msgspec.Meta(ge=0, le=24)]
Version = Annotated[int, msgspec.Meta(ge=1)]
CountryCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z]{2}$")]


def local(moment: datetime) -> datetime:
    """Times are stored in UTC and shown on the gates' clock (Asia/Ho_Chi_Minh)."""
    return as_local(moment)


def local_or_none(moment: datetime | None) -> datetime | None:
    return as_local(moment) if moment is not None else None
