"""What this process's dispatcher did since it started, for the tests and whoever holds the
dispatcher; ``/metrics`` counts the same into gate/metrics.py's counters, which several
workers add up."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

# The results an attempt is counted under: delivered; failed and to be tried again; failed
# for good (schedule exhausted, or a permanent answer).
DELIVERED = "delivered"
RETRIED = "retried"
FAILED = "failed"


@dataclass
class Tally:
    """``attempts``: attempts recorded, by (channel, result); ``events_set_aside``: outbox
    events set aside after EXPAND_TRIES failed expansions (gate/outbox/poison.py)."""

    attempts: Counter[tuple[str, str]] = field(default_factory=Counter)
    events_set_aside: int = 0
