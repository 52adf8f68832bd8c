"""The hub forgets a per-entity channel (an enterprise's) when its last viewer leaves, however
it leaves, and keeps a gate's channels; a viewer arriving while a channel is dropped still
gets a snapshot and what follows; many viewers coming and going at once leave nothing held."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import msgspec

from gate.live.hub import Hub
from gate.live.messages import ChannelMessage

MINE = "enterprise:e-1"
BOARD = "board:LS-HN"

decode = msgspec.json.Decoder(ChannelMessage).decode


def snapshot(seq: int, data: dict[str, Any], channel: str = MINE) -> bytes:
    return msgspec.json.encode(ChannelMessage(channel, seq, "snapshot", data))


def delta(seq: int, prev: int, data: dict[str, Any], channel: str = MINE) -> bytes:
    return msgspec.json.encode(ChannelMessage(channel, seq, "delta", data, prev=prev))


class Store:
    """The snapshot store; while ``held`` is clear every fetch waits, so that a test can act
    while a subscribe is under way."""

    def __init__(self, snapshots: dict[str, bytes] | None = None, turns: int = 0) -> None:
        self.snapshots = snapshots or {}
        self.held = asyncio.Event()
        self.held.set()
        self.waiting = 0
        self.turns = turns  # loop turns a fetch takes, as a round trip to Redis would

    async def __call__(self, name: str) -> bytes | None:
        self.waiting += 1
        try:
            await self.held.wait()
            for _ in range(self.turns):
                await asyncio.sleep(0)
        finally:
            self.waiting -= 1
        return self.snapshots.get(name)


async def until(check: Any) -> None:
    """Yield to the loop until ``check()`` holds (a few hundred turns at most)."""
    for _ in range(500):
        if check():
            return
        await asyncio.sleep(0)
    raise AssertionError("never became true")


async def test_a_per_entity_channel_is_forgotten_with_its_history_when_its_last_viewer_leaves():
    hub = Hub(Store({MINE: snapshot(1, {"vehicles": []})}))
    first, _ = await hub.subscribe(MINE, None)
    second, _ = await hub.subscribe(MINE, None)
    hub.deliver(delta(2, 1, {"vehicles": ["12C"]}))

    first.close()
    assert hub.known() == [MINE]
    second.close()

    assert hub.known() == []
    assert hub.watched() == []


async def test_messages_for_a_per_entity_channel_nobody_watches_here_are_ignored():
    hub = Hub(Store())

    hub.deliver(snapshot(1, {"vehicles": []}))
    hub.deliver(delta(2, 1, {"vehicles": ["12C"]}))

    assert hub.known() == []


async def test_a_gates_channel_is_kept_with_its_history_when_nobody_watches_it():
    hub = Hub(Store())
    hub.deliver(snapshot(1, {"waiting": 0}, channel=BOARD))
    viewer, _ = await hub.subscribe(BOARD, None)
    viewer.close()
    hub.deliver(delta(2, 1, {"waiting": 1}, channel=BOARD))

    _, catch_up = await hub.subscribe(BOARD, since=1)

    assert [(decode(t).kind, decode(t).seq) for t in catch_up] == [("delta", 2)]


async def test_a_viewer_back_after_the_drop_gets_a_snapshot_not_a_replay():
    store = Store({MINE: snapshot(1, {"vehicles": []})})
    hub = Hub(store)
    viewer, _ = await hub.subscribe(MINE, None)
    hub.deliver(delta(2, 1, {"vehicles": ["12C"]}))
    viewer.close()
    store.snapshots[MINE] = snapshot(3, {"vehicles": ["12C", "29H"]})

    _, catch_up = await hub.subscribe(MINE, since=1)

    assert [(decode(t).kind, decode(t).seq) for t in catch_up] == [("snapshot", 3)]


async def test_a_cancelled_subscribe_leaves_no_channel_behind():
    store = Store({MINE: snapshot(1, {"vehicles": []})})
    store.held.clear()
    hub = Hub(store)
    joining = asyncio.create_task(hub.subscribe(MINE, None))
    await until(lambda: store.waiting == 1)
    assert hub.watched() == [MINE]  # on its way in: the projector must rebuild it

    joining.cancel()
    await asyncio.gather(joining, return_exceptions=True)

    assert hub.known() == []


async def test_a_viewer_joining_while_the_only_other_one_gives_up_gets_the_snapshot_and_deltas():
    store = Store({MINE: snapshot(1, {"vehicles": []})})
    store.held.clear()
    hub = Hub(store)
    giving_up = asyncio.create_task(hub.subscribe(MINE, None))
    staying = asyncio.create_task(hub.subscribe(MINE, None))
    await until(lambda: store.waiting == 2)

    giving_up.cancel()
    await asyncio.gather(giving_up, return_exceptions=True)
    hub.deliver(snapshot(2, {"vehicles": ["12C"]}))  # published while the fetch is under way
    store.held.set()
    viewer, catch_up = await staying
    hub.deliver(delta(3, 2, {"vehicles": ["12C", "29H"]}))

    assert [(decode(t).kind, decode(t).seq) for t in catch_up] == [("snapshot", 2)]
    assert [(m.kind, m.seq, m.prev) for m in map(decode, [viewer.queue.get_nowait()])] == [
        ("delta", 3, 2)
    ]
    assert hub.known() == [MINE]


async def test_a_viewer_subscribing_right_after_the_last_one_left_gets_the_snapshot_and_deltas():
    store = Store({MINE: snapshot(1, {"vehicles": []})})
    hub = Hub(store)
    leaving, _ = await hub.subscribe(MINE, None)
    hub.deliver(delta(2, 1, {"vehicles": ["12C"]}))
    store.snapshots[MINE] = snapshot(2, {"vehicles": ["12C"]})

    leaving.close()
    coming, catch_up = await hub.subscribe(MINE, since=1)
    hub.deliver(delta(3, 2, {"vehicles": []}))

    assert [(decode(t).kind, decode(t).seq, decode(t).data) for t in catch_up] == [
        ("snapshot", 2, {"vehicles": ["12C"]})
    ]
    assert decode(coming.queue.get_nowait()).seq == 3
    assert hub.channel(MINE).state == {"vehicles": []}


async def test_many_viewers_coming_and_going_at_once_leave_no_channel_and_no_task():
    names = [f"enterprise:e-{n}" for n in range(8)]
    store = Store({name: snapshot(1, {"n": 0}, name) for name in names}, turns=2)
    hub = Hub(store)
    hub.deliver(snapshot(1, {"waiting": 0}, channel=BOARD))
    chance = random.Random(10)
    tasks_before = len(asyncio.all_tasks())

    async def visit(channel: str) -> None:
        viewer = None
        try:  # as the websocket endpoints do: whatever ends the visit closes the viewer
            viewer, _ = await hub.subscribe(channel, chance.choice([None, 1]))
            for _ in range(chance.randrange(4)):
                await asyncio.sleep(0)
        finally:
            if viewer is not None:
                viewer.close()

    visits = []
    for _ in range(300):
        channel = chance.choice([*names, BOARD])
        visits.append(asyncio.create_task(visit(channel)))
        if chance.random() < 0.3:
            await asyncio.sleep(0)
        if chance.random() < 0.3:
            chance.choice(visits).cancel()
        if chance.random() < 0.1:  # a gap: every holder of the channel resyncs
            hub.deliver(delta(99, 98, {"n": 0}, channel=channel))
    await asyncio.gather(*visits, return_exceptions=True)
    await until(lambda: len(asyncio.all_tasks()) == tasks_before)

    assert sum(task.cancelled() for task in visits) > 0
    assert hub.known() == [BOARD]
    assert hub.watched() == []
