"""Progress of long work on standard error (``gate audit verify``, ``gate db seed``): shown
when standard error is a terminal or when asked for (``--progress``), so that a cron job's
mail and a script's captured output hold the result alone."""

from __future__ import annotations

import sys
from typing import TextIO

# Lines a count with a known total is shown in at most: every 5 %.
STEPS = 20
# Without a total, a line every this many.
EVERY = 10_000


def wanted(asked: bool, stream: TextIO | None = None) -> bool:
    """Whether to show progress: asked for, or standard error is a terminal."""
    stream = stream or sys.stderr
    return asked or stream.isatty()


class Progress:
    """Counts ``what`` (say "audit entries read") as work advances: a line each time the
    count passes another twentieth of ``total`` (or another ``EVERY`` without one), with the
    percentage when the total is known. Silent when not ``shown``."""

    def __init__(
        self, what: str, total: int | None, *, shown: bool, stream: TextIO | None = None
    ) -> None:
        self._what = what
        self._total = total
        self._shown = shown
        self._stream = stream or sys.stderr
        self._every = max(1, -(-total // STEPS)) if total else EVERY
        self._count = 0
        self._next = self._every

    def advance(self, by: int = 1) -> None:
        """``by`` more done; a line when a step was passed (and at the total)."""
        self._count += by
        if not self._shown or self._count < min(self._next, self._total or self._next):
            return
        while self._next <= self._count:
            self._next += self._every
        self.say(self._line())

    def say(self, line: str) -> None:
        """One line of progress, when shown."""
        if self._shown:
            print(line, file=self._stream, flush=True)

    def _line(self) -> str:
        if self._total:
            percent = 100 * self._count // self._total
            return f"{self._what}: {self._count:,} of {self._total:,} ({percent}%)"
        return f"{self._what}: {self._count:,}"
