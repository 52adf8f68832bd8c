"""The live hub: applying snapshots and deltas, replay to reconnecting viewers, resync on a gap,
and slow viewers resynced with a snapshot instead of a growing backlog."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest

import gate.live.hub as hub_module
from gate.live.hub import VIEWER_BACKLOG, Hub
from gate.live.messages import ChannelMessage

CHANNEL = "board:LS-HN"
OTHER = "board:MC-QN"

decode = msgspec.json.Decoder(ChannelMessage).decode


def snapshot(seq: int, data: dict[str, Any], channel: str = CHANNEL) -> bytes:
    return msgspec.json.encode(ChannelMessage(channel, seq, "snapshot", data))


def delta(seq: int, prev: int, data: dict[str, Any], channel: str = CHANNEL) -> bytes:
    return msgspec.json.encode(ChannelMessage(channel, seq, "delta", data, prev=prev))


class Store:
    """A fetch function standing in for the snapshot store; records who asked."""

    def __init__(self, snapshots: dict[str, bytes] | None = None) -> None:
        self.snapshots = snapshots or {}
        self.asked: list[str] = []

    async def __call__(self, name: str) -> bytes | None:
        self.asked.append(name)
        return self.snapshots.get(name)


async def settle() -> None:
    """Let tasks the hub started (a resync) run to the end."""
    for _ in range(5):
        await asyncio.sleep(0)


def drain(queue: asyncio.Queue[str]) -> list[ChannelMessage]:
    messages = []
    while not queue.empty():
        messages.append(decode(queue.get_nowait()))
    return messages


def feed_history(hub: Hub) -> list[bytes]:
    """Snapshot at seq 1, then deltas 2..5, each following the one before."""
    messages = [
        snapshot(1, {"paused": False, "waiting": 3, "notices": []}),
        delta(2, 1, {"waiting": 4}),
        delta(3, 2, {"paused": True}),
        delta(4, 3, {"waiting": 5, "notices": ["closed at noon"]}),
        delta(5, 4, {"paused": False}),
    ]
    for raw in messages:
        hub.deliver(raw)
    return messages


async def test_a_snapshot_then_following_deltas_give_the_merged_state() -> None:
    hub = Hub(Store())

    feed_history(hub)

    channel = hub.channel(CHANNEL)
    assert channel.seq == 5
    assert channel.state == {"paused": False, "waiting": 5, "notices": ["closed at noon"]}
    current = decode(channel.snapshot_text or "")
    assert (current.seq, current.kind, current.data) == (5, "snapshot", channel.state)


async def test_viewers_receive_every_applied_message_as_the_exact_text_delivered() -> None:
    hub = Hub(Store())
    hub.deliver(snapshot(1, {"waiting": 0}))
    viewer, _ = await hub.subscribe(CHANNEL, None)
    first, second = delta(2, 1, {"waiting": 1}), delta(3, 2, {"waiting": 2})

    hub.deliver(first)
    hub.deliver(second)

    assert viewer.queue.get_nowait() == first.decode()
    assert await viewer.next() == second.decode()
    assert viewer.queue.empty()


async def test_a_new_subscriber_gets_the_latest_snapshot_first() -> None:
    hub = Hub(Store())
    feed_history(hub)

    viewer, catch_up = await hub.subscribe(CHANNEL, None)

    assert len(catch_up) == 1
    first = decode(catch_up[0])
    assert first.kind == "snapshot"
    assert first.seq == 5
    assert first.data == {"paused": False, "waiting": 5, "notices": ["closed at noon"]}
    assert viewer.queue.empty()


async def test_a_subscriber_already_at_the_current_seq_gets_nothing() -> None:
    hub = Hub(Store())
    feed_history(hub)

    _, catch_up = await hub.subscribe(CHANNEL, since=5)

    assert catch_up == []


async def test_a_subscriber_with_a_seq_in_the_history_gets_exactly_the_missed_messages() -> None:
    hub = Hub(Store())
    messages = feed_history(hub)

    _, catch_up = await hub.subscribe(CHANNEL, since=2)

    assert catch_up == [raw.decode() for raw in messages[2:]]
    assert [decode(text).seq for text in catch_up] == [3, 4, 5]


async def test_a_subscriber_older_than_the_history_gets_a_snapshot_instead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hub_module, "HISTORY", 2)
    hub = Hub(Store())
    feed_history(hub)  # only seqs 4 and 5 are kept
    assert [seq for seq, _, _ in hub.channel(CHANNEL).history] == [4, 5]

    _, from_old = await hub.subscribe(CHANNEL, since=1)
    _, still_kept = await hub.subscribe(CHANNEL, since=3)

    assert len(from_old) == 1
    assert decode(from_old[0]).kind == "snapshot"
    assert decode(from_old[0]).seq == 5
    assert [decode(text).seq for text in still_kept] == [4, 5]


async def test_a_subscriber_claiming_a_seq_ahead_of_the_hub_gets_a_snapshot() -> None:
    hub = Hub(Store())
    feed_history(hub)

    _, catch_up = await hub.subscribe(CHANNEL, since=99)

    assert [(decode(t).kind, decode(t).seq) for t in catch_up] == [("snapshot", 5)]


async def test_the_first_subscriber_of_an_unknown_channel_gets_the_stored_snapshot() -> None:
    store = Store({CHANNEL: snapshot(7, {"waiting": 2})})
    hub = Hub(store)

    _, catch_up = await hub.subscribe(CHANNEL, None)

    assert store.asked == [CHANNEL]
    assert [(decode(t).kind, decode(t).seq, decode(t).data) for t in catch_up] == [
        ("snapshot", 7, {"waiting": 2})
    ]
    assert hub.channel(CHANNEL).state == {"waiting": 2}


async def test_a_delta_that_does_not_follow_triggers_a_resync_from_the_store() -> None:
    store = Store()
    hub = Hub(store)
    hub.deliver(snapshot(1, {"waiting": 1, "paused": False}))
    viewer, _ = await hub.subscribe(CHANNEL, None)
    store.snapshots[CHANNEL] = snapshot(4, {"waiting": 9, "paused": True})

    hub.deliver(delta(4, 3, {"waiting": 9}))  # seqs 2 and 3 never arrived
    channel = hub.channel(CHANNEL)
    assert channel.seq == 1  # the out-of-order delta itself is not applied
    assert channel.state == {"waiting": 1, "paused": False}
    await settle()

    assert store.asked == [CHANNEL]
    assert channel.seq == 4
    assert channel.state == {"waiting": 9, "paused": True}
    received = drain(viewer.queue)
    assert [(m.kind, m.seq, m.data) for m in received] == [
        ("snapshot", 4, {"waiting": 9, "paused": True})
    ]


async def test_after_a_resync_a_viewer_from_before_the_gap_gets_the_snapshot() -> None:
    store = Store()
    hub = Hub(store)
    hub.deliver(snapshot(1, {"waiting": 1}))
    hub.deliver(delta(2, 1, {"waiting": 2}))
    store.snapshots[CHANNEL] = snapshot(6, {"waiting": 6})
    hub.deliver(delta(6, 5, {"waiting": 6}))
    await settle()

    _, catch_up = await hub.subscribe(CHANNEL, since=2)

    assert [(decode(t).kind, decode(t).seq) for t in catch_up] == [("snapshot", 6)]


async def test_a_delta_before_any_snapshot_asks_the_store_for_one() -> None:
    store = Store({CHANNEL: snapshot(3, {"waiting": 3})})
    hub = Hub(store)

    hub.deliver(delta(3, 2, {"waiting": 3}))
    await settle()

    assert store.asked == [CHANNEL]
    assert hub.channel(CHANNEL).seq == 3
    assert hub.channel(CHANNEL).state == {"waiting": 3}


async def test_a_resync_with_nothing_newer_in_the_store_changes_nothing() -> None:
    store = Store({CHANNEL: snapshot(1, {"waiting": 1})})
    hub = Hub(store)
    hub.deliver(snapshot(2, {"waiting": 2}))
    viewer, _ = await hub.subscribe(CHANNEL, None)

    hub.deliver(delta(5, 4, {"waiting": 5}))
    await settle()

    assert store.asked == [CHANNEL]
    assert hub.channel(CHANNEL).seq == 2
    assert hub.channel(CHANNEL).state == {"waiting": 2}
    assert viewer.queue.empty()


@pytest.mark.parametrize(
    "stale",
    [
        snapshot(3, {"waiting": 100}),
        snapshot(2, {"waiting": 100}),
        delta(3, 2, {"waiting": 100}),
        delta(1, 0, {"waiting": 100}),
    ],
    ids=["snapshot-same-seq", "snapshot-older", "delta-same-seq", "delta-older"],
)
async def test_a_message_at_or_below_the_current_seq_is_ignored(stale: bytes) -> None:
    store = Store()
    hub = Hub(store)
    hub.deliver(snapshot(1, {"waiting": 1}))
    hub.deliver(delta(2, 1, {"waiting": 2}))
    hub.deliver(delta(3, 2, {"waiting": 3}))
    viewer, _ = await hub.subscribe(CHANNEL, None)
    before = list(hub.channel(CHANNEL).history)

    hub.deliver(stale)
    await settle()

    channel = hub.channel(CHANNEL)
    assert channel.seq == 3
    assert channel.state == {"waiting": 3}
    assert list(channel.history) == before
    assert viewer.queue.empty()
    assert store.asked == []


async def test_a_slow_viewer_has_its_backlog_replaced_by_the_current_snapshot() -> None:
    hub = Hub(Store())
    hub.deliver(snapshot(1, {"count": 1}))
    slow, _ = await hub.subscribe(CHANNEL, None)

    last = 1 + VIEWER_BACKLOG + 1  # one more than the queue holds
    for seq in range(2, last + 1):
        hub.deliver(delta(seq, seq - 1, {"count": seq}))

    assert slow.queue.qsize() == 1
    (only,) = drain(slow.queue)
    assert (only.kind, only.seq, only.data) == ("snapshot", last, {"count": last})


async def test_a_viewer_that_keeps_up_is_not_resynced() -> None:
    hub = Hub(Store())
    hub.deliver(snapshot(1, {"count": 1}))
    viewer, _ = await hub.subscribe(CHANNEL, None)

    for seq in range(2, 2 + VIEWER_BACKLOG):  # exactly a full queue, no overflow
        hub.deliver(delta(seq, seq - 1, {"count": seq}))

    received = drain(viewer.queue)
    assert [m.kind for m in received] == ["delta"] * VIEWER_BACKLOG
    assert [m.seq for m in received] == list(range(2, 2 + VIEWER_BACKLOG))


async def test_after_a_resync_snapshot_the_slow_viewer_gets_the_following_deltas() -> None:
    hub = Hub(Store())
    hub.deliver(snapshot(1, {"count": 1}))
    slow, _ = await hub.subscribe(CHANNEL, None)
    last = 1 + VIEWER_BACKLOG + 1
    for seq in range(2, last + 1):
        hub.deliver(delta(seq, seq - 1, {"count": seq}))

    hub.deliver(delta(last + 1, last, {"count": last + 1}))

    received = drain(slow.queue)
    assert [(m.kind, m.seq, m.prev) for m in received] == [
        ("snapshot", last, None),
        ("delta", last + 1, last),
    ]


async def test_closing_a_viewer_removes_it_from_the_channel() -> None:
    hub = Hub(Store())
    hub.deliver(snapshot(1, {"count": 1}))
    leaving, _ = await hub.subscribe(CHANNEL, None)
    staying, _ = await hub.subscribe(CHANNEL, None)

    leaving.close()
    hub.deliver(delta(2, 1, {"count": 2}))

    assert hub.channel(CHANNEL).viewers == {staying}
    assert leaving.queue.empty()
    assert [m.seq for m in drain(staying.queue)] == [2]


async def test_watched_lists_only_channels_that_have_viewers() -> None:
    hub = Hub(Store())
    hub.deliver(snapshot(1, {"a": 1}, channel=CHANNEL))
    hub.deliver(snapshot(1, {"b": 1}, channel=OTHER))
    assert hub.watched() == []
    assert sorted(hub.known()) == sorted([CHANNEL, OTHER])

    viewer, _ = await hub.subscribe(OTHER, None)
    assert hub.watched() == [OTHER]

    viewer.close()
    assert hub.watched() == []


async def test_channels_are_independent() -> None:
    hub = Hub(Store())
    hub.deliver(snapshot(1, {"a": 1}, channel=CHANNEL))
    hub.deliver(snapshot(1, {"b": 1}, channel=OTHER))
    viewer, _ = await hub.subscribe(CHANNEL, None)

    hub.deliver(delta(2, 1, {"b": 2}, channel=OTHER))

    assert hub.channel(CHANNEL).state == {"a": 1}
    assert hub.channel(OTHER).state == {"b": 2}
    assert viewer.queue.empty()
