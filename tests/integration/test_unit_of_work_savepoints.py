"""A savepoint rolled back takes back what it did to the unit of work: the events it
recorded, the callbacks it registered and the audit heads it locked. A rollback to a
savepoint releases the row locks taken inside it, so a head it locked must be locked again by
the commit's append (gate/store/audit.py::append), not taken as still held."""

from __future__ import annotations

import contextlib

from gate.store.audit import LockedHead
from gate.store.unit_of_work import UnitOfWork


async def test_heads_locked_in_a_failed_savepoint_are_not_taken_as_held(uow: UnitOfWork):
    before = LockedHead("gate:before", 3, "a" * 64)
    uow.locked_heads[before.chain] = before
    with contextlib.suppress(RuntimeError):
        async with uow.savepoint():
            uow.locked_heads["gate:inside"] = LockedHead("gate:inside", 7, "b" * 64)
            raise RuntimeError("the savepoint fails")
    assert uow.locked_heads == {before.chain: before}

    async with uow.savepoint():
        uow.locked_heads["gate:kept"] = LockedHead("gate:kept", 1, "c" * 64)
    assert set(uow.locked_heads) == {before.chain, "gate:kept"}
