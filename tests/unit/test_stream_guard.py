"""The stream guard ends exactly the streams whose grant ended, once each, and keeps every
stream while the check cannot be made (a database outage is no reason to drop consoles)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from gate.accounts.access import KEY_REVOKED, NOT_AT_GATE, Ending, Grant
from gate.live.guard import StreamGuard

OFFICER = Grant(session_id="s1", officer_id="o1", gate_id="g1")
KEY = Grant(api_key_id="k1")
MOVED = Grant(session_id="s2", officer_id="o2", gate_id="g1")


async def test_only_the_streams_whose_grant_ended_are_ended_and_each_once():
    verdicts = {OFFICER: None, KEY: KEY_REVOKED, MOVED: NOT_AT_GATE}
    checked: list[list[Grant]] = []

    async def check(grants: Sequence[Grant]) -> list[Ending | None]:
        checked.append(list(grants))
        return [verdicts[g] for g in grants]

    guard = StreamGuard(check, interval=60)
    ended: list[tuple[str, Ending]] = []
    for name, grant in [("officer", OFFICER), ("key", KEY), ("moved", MOVED)]:
        guard.admit(grant, lambda why, name=name: ended.append((name, why)))

    assert await guard.recheck() == 2
    assert await guard.recheck() == 0  # the ended ones are no longer watched
    assert sorted(ended) == sorted([("key", KEY_REVOKED), ("moved", NOT_AT_GATE)])
    assert checked == [[OFFICER, KEY, MOVED], [OFFICER]]
    assert len(guard) == 1


async def test_a_failed_check_ends_nothing_and_a_released_stream_is_not_checked():
    async def failing(grants: Sequence[Grant]) -> list[Ending | None]:
        raise ConnectionError("database away")

    guard = StreamGuard(failing, interval=60)
    ended: list[Ending] = []
    ticket = guard.admit(KEY, ended.append)
    guard.admit(OFFICER, ended.append)
    assert await guard.recheck() == 0 and ended == [] and len(guard) == 2
    guard.release(ticket)
    assert len(guard) == 1


async def test_an_event_wakes_the_guard_before_its_interval():
    woke = asyncio.Event()

    async def check(grants: Sequence[Grant]) -> list[Ending | None]:
        woke.set()
        return [None for _ in grants]

    guard = StreamGuard(check, interval=3600)
    guard.admit(OFFICER, lambda why: None)
    guard.start()
    try:
        guard.wake()
        await asyncio.wait_for(woke.wait(), 5)
    finally:
        await guard.stop()
