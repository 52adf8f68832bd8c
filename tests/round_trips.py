"""Counting the database round trips a piece of work makes, and which phase made each: a
measure that does not move with the machine's load (issue 20: "a check-in batch makes about
28 round trips whatever its size").

Every statement SQLAlchemy sends (``before_cursor_execute``, an executemany counted once, as
the driver sends it: asyncpg pipelines its rows, SQLite runs them in process), and each
transaction's BEGIN and COMMIT, are listed with the innermost function of the platform
(``gate/`` or ``services/``) on the stack when it was sent.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import greenlet
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

_ROOT = str(Path(__file__).resolve().parents[1]) + "/"
_OURS = (_ROOT + "gate/", _ROOT + "services/")


@dataclass
class RoundTrips:
    """The round trips counted, in order: (phase, what was sent)."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.sent)

    def listing(self) -> str:
        """One line per round trip: its phase and the statement's first words."""
        return "\n".join(
            f"{n:3d}  {phase:52s} {what}" for n, (phase, what) in enumerate(self.sent, 1)
        )


def _phase() -> str:
    """The innermost platform function on the caller's stack, as ``path:function``. The
    statement is sent from SQLAlchemy's greenlet; the coroutines that asked for it are on
    the stack of the greenlet it runs for (its parent)."""
    frames: list[FrameType | None] = [sys._getframe(2)]
    parent = greenlet.getcurrent().parent
    if parent is not None:
        frames.append(parent.gr_frame)
    for frame in frames:
        while frame is not None:
            path = frame.f_code.co_filename
            if path.startswith(_OURS) and not path.endswith("gate/store/database.py"):
                return f"{path.removeprefix(_ROOT)}:{frame.f_code.co_name}"
            frame = frame.f_back
    return "?"


def _summary(statement: str) -> str:
    words = " ".join(statement.split())
    return words[:70]


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[RoundTrips]:
    """Count the round trips of ``engine`` while the block runs (the platform's other
    engines, its live boards' among them, are not counted)."""
    trips = RoundTrips()

    def sent(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        trips.sent.append((_phase(), _summary(statement)))

    def begun(_conn: Any) -> None:
        trips.sent.append((_phase(), "BEGIN"))

    def committed(_conn: Any) -> None:
        trips.sent.append((_phase(), "COMMIT"))

    listeners = [("before_cursor_execute", sent), ("begin", begun), ("commit", committed)]
    for name, listener in listeners:
        event.listen(engine.sync_engine, name, listener)
    try:
        yield trips
    finally:
        for name, listener in listeners:
            event.remove(engine.sync_engine, name, listener)
