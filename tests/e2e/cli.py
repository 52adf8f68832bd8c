"""Running the ``gate`` command as the operator does: a process of its own, with only the
``GATE_`` settings a test gives it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.server import ROOT

GATE = str(Path(sys.executable).with_name("gate"))


def environment(**settings: str) -> dict[str, str]:
    """The tests' environment without any ``GATE_`` variable of theirs, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATE_")}
    env.update(settings)
    return env


def gate(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``gate <arguments>`` run to its end (two minutes at most), its output captured."""
    return subprocess.run(
        [GATE, *arguments],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_line(text: str) -> str:
    """The only line of ``text``, which must hold no traceback."""
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]
