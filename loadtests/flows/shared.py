"""What the users of one Locust process share: the run's data and what was acknowledged."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

from loadtests.prepare import RunData


@dataclass
class Shared:
    run: RunData | None = None
    # The public boards' broadcast server (ws://host:port), when the platform runs one.
    boards_url: str | None = None
    # Check-ins the platform acknowledged: (device token, event id) -> the answer's outcome.
    acknowledged: dict[tuple[str, str], str] = field(default_factory=dict)
    board_states: list[dict[str, object]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: itertools.count[int] = field(default_factory=itertools.count)


SHARED = Shared()


def next_number() -> int:
    with SHARED.lock:
        return next(SHARED.counter)
