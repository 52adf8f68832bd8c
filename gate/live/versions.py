"""Versions of a gate's public reads (its free places per hour), counted per process from the
domain events it hears, so that a poller's ``If-None-Match`` is answered 304 without a query.

Every event that changes a gate's hours or places names the gate (a booking's events, a
check-in's, ``GateCalendarChanged``: gate/domain/events.py), by code (``gate``), id
(``gate_id``) or several ids (``gate_ids``); each such event counts one more change of each
gate it names. An event naming no gate (a driver's position, a webhook disabled) changes
no gate's places and is not counted.

A count is this process's own (another process heard the same events, but may have started
later): a version carries the process's ``origin``, so two processes never give one version
to two different states; behind a proxy that spreads the polls, a version made elsewhere
only costs a full answer. Events lost while Redis was away are not heard again
(gate/live/service.py): a version also carries the minute of the clock (``time_key``), so a
missed change is answered 304 for at most the rest of that minute. The minute also covers
what changes with time alone: an hour's booking closes, the horizon moves."""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

MINUTE_S = 60


class GateVersions:
    """Changes heard per gate key (code or id) in this process since it started."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.origin = secrets.token_hex(4)  # this process: its counts mean nothing elsewhere
        self._clock = clock
        self._changes: Counter[str] = Counter()

    def heard(self, payload: dict[str, Any]) -> None:
        """A domain event's payload (a listener of ``gate.live.service.Live``)."""
        keys = {payload.get("gate"), payload.get("gate_id"), *(payload.get("gate_ids") or ())}
        for key in keys:
            if isinstance(key, str) and key:
                self._changes[key] += 1

    def of_gate(self, code: str, gate_id: str) -> str:
        """The version of the gate's places now: a short ASCII token, another one after any
        change of the gate this process heard, and at each minute of the clock."""
        # Counter reads of a key never seen add nothing: the counts hold only gates named.
        changes = self._changes[code] + self._changes[gate_id]
        return f"{self.origin}-{changes}-{self.time_key()}"

    def time_key(self) -> int:
        """The minute of the clock (minutes since the epoch)."""
        return int(self._clock() // MINUTE_S)
