"""The gate devices as the check-in path reads them: the columns a check-in uses, straight
into ``DeviceSeen`` values (gate/checkins/reads.py), never the mapped ``Device`` (issue 20:
no mapped object built, put in the session's identity map, or checked at each flush on the
hot path).

``SEEN`` is a SQLAlchemy ``Bundle`` of the three columns that builds a ``DeviceSeen`` per
row, so a statement selecting it yields the values themselves (``session.scalars``). A
bundle is compiled by the ORM's plugin, but loads only columns: the session gets no object
and tracks nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Bundle

from gate.checkins.reads import DeviceSeen
from gate.store.tables import Device
from gate.store.tables.base import table_of

devices = table_of(Device)


class _Seen(Bundle[DeviceSeen]):
    """A ``devices`` row's id, direction and kind as a ``DeviceSeen``."""

    def create_row_processor(
        self, query: Any, procs: Sequence[Callable[[Any], Any]], labels: Sequence[str]
    ) -> Callable[[Any], DeviceSeen]:
        id_of, direction_of, kind_of = procs
        return lambda row: DeviceSeen(id_of(row), direction_of(row), kind_of(row))


SEEN = _Seen("device", devices.c.id, devices.c.direction, devices.c.kind)


async def device_seen(session: AsyncSession, device_id: str) -> DeviceSeen | None:
    """The device ``device_id`` as a check-in reads it; None if there is no such row."""
    return await session.scalar(select(SEEN).where(devices.c.id == device_id))
