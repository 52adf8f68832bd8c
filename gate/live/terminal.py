"""`gate watch GATE`: a gate's live board in the terminal, as a websocket client that
reconnects by itself and says so while it does."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from datetime import datetime
from typing import Any, TextIO

from gate.domain.time import LOCAL_TZ
from gate.live.client import Follower, follow

CLASSES = {"perishable": "perishable", "aeo": "AEO", "regular": "regular"}
DIRECTIONS = {"export": "Xuất / export", "import": "Nhập / import"}


def render(board: dict[str, Any], seq: int | None, connected: bool) -> str:
    """The board as lines of text (Vietnamese first, English second)."""
    lines = [f"{board['name']}  —  {board['name_en']}"]
    if board["paused"]:
        lines.append(f"!! TẠM DỪNG / PAUSED: {board.get('paused_reason') or ''}")
    for notice in board["notices"]:
        lines.append(f"» {notice['text']}")
    for direction in board["directions"]:
        waiting = ", ".join(f"{CLASSES.get(k, k)} {v}" for k, v in direction["waiting"].items())
        wait = direction["estimated_wait_minutes"]
        lines += [
            "",
            f"[{DIRECTIONS.get(direction['direction'], direction['direction'])}]",
            f"  Đang chờ / waiting: {direction['waiting_total']}  ({waiting})",
            f"  Làn mở / lanes open: {direction['lanes_open']}/{len(direction['lanes'])}"
            f"   Ước tính chờ / est. wait: {'—' if wait is None else f'{wait} min'}",
        ]
        for called in direction["called"]:
            lines.append(
                f"  → {called['plate']}  ({called['booking_code']})"
                f"  làn/lane {called['lane'] or '—'}"
            )
        free = "  ".join(
            f"{p['starts_at'][11:16]}:{'×' if p['closed'] else p['remaining']}"
            for p in direction["free_places"]
        )
        lines.append(f"  Chỗ trống / free places: {free}")
    accuracy = board["forecast_accuracy"]
    if accuracy["samples"]:
        lines.append(
            f"\nSai số dự báo / forecast error: ±{accuracy['mean_absolute_error_minutes']} min "
            f"({accuracy['samples']} xe / vehicles)"
        )
    now = datetime.now(LOCAL_TZ).strftime("%H:%M:%S")
    status = f"trực tuyến / live · seq {seq}" if connected else "đang kết nối lại / reconnecting…"
    lines.append(f"\n{status} · {now}")
    return "\n".join(lines)


async def watch(base_url: str, gate: str, once: bool = False, out: TextIO = sys.stdout) -> int:
    """Draw gate ``gate``'s board from the platform at ``base_url`` on ``out`` until
    interrupted, or once with ``once``. Exit status 1 when the server ended the stream (an
    unknown gate) or, with ``once``, when the platform could not be reached. A platform that
    cannot be reached is said at once and tried again (every 5 s at most) without ``once``."""
    url = base_url.rstrip("/").replace("http://", "ws://").replace("https://", "wss://")
    url = f"{url}/ws/v1/gates/{gate}/board"
    follower = Follower()
    stop = asyncio.Event()
    said: list[str] = []  # the last failure written, so that each is said once

    def unreachable(current: Follower) -> None:
        reason = current.unreachable
        if reason is None or said[-1:] == [reason]:
            return
        said.append(reason)
        again = "" if once else "; trying again every few seconds (Ctrl-C to stop)"
        out.write(f"cannot connect to {url}: {reason}{again}\n")
        out.flush()
        if once:
            stop.set()

    def draw(current: Follower, connected: bool) -> None:
        if current.state is None:
            if not connected:
                unreachable(current)
            return
        if not once:
            out.write("\x1b[2J\x1b[H")  # clear the screen, cursor home
        out.write(render(current.state, current.seq, connected) + "\n")
        out.flush()
        if once:
            stop.set()

    task = asyncio.create_task(
        follow(
            url,
            follower,
            on_change=lambda current: draw(current, connected=True),
            stop=stop,
            on_disconnect=lambda current: draw(current, connected=False),
        )
    )
    try:
        # Ends when ``once`` has drawn, or when the server ended the stream for good.
        await task
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if follower.ended is not None:
        code, reason = follower.ended
        out.write(f"closed by the server: {reason} ({code})\n")
        return 1
    return 0 if follower.state is not None else 1
