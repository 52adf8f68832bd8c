"""Shared pieces of the API's msgspec types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from gate.domain.time import accepted_instant, as_local


class Input(msgspec.Struct, forbid_unknown_fields=True):
    """Request bodies: an unknown field is an error, not silently dropped, and every time in
    one is an instant the platform accepts (``gate.domain.time.accepted_instant``), checked
    as it is decoded, so no handler meets a time it cannot convert or add to.

    A refused time is a ValidationFailed naming the field as the client wrote it (its
    encoded name). It is raised as is, not as the ValueError msgspec would wrap: msgspec
    would name the enclosing struct (``$``, ``$.events[0]``), not the field.
    """

    def __post_init__(self) -> None:
        for name, wire_name in zip(
            self.__struct_fields__, self.__struct_encode_fields__, strict=True
        ):
            value = getattr(self, name)
            if isinstance(value, datetime):
                accepted_instant(value, wire_name)
            elif isinstance(value, list | tuple):
                for item in value:
                    if isinstance(item, datetime):
                        accepted_instant(item, wire_name)


class Output(msgspec.Struct):
    """Response bodies."""


ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
LongText = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
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
