"""``gate serve --workers 1`` under cProfile, for loadtests/count_calls.py: the command line
is the gate command's (``python loadtests/profiled_serve.py serve --workers 1``), of
whichever working tree comes first on PYTHONPATH.

Profiling runs only between two signals, so start-up (migrations, imports) and set-up
requests stay out of the counts: SIGUSR1 starts it, SIGUSR2 stops it and writes the
statistics to the file named by COUNT_CALLS_PROFILE (then the file is complete: its writer
renames it into place). With one worker, uvicorn serves in this very process (its main
thread, where the handlers run), so the profile is the worker's."""

from __future__ import annotations

import sys

# This folder holds loadtests/profile.py, which would shadow the standard library's profile
# module that cProfile imports: out of the path before anything else is imported.
sys.path.pop(0)

import cProfile
import os
import runpy
import signal
from typing import Any

PROFILE = cProfile.Profile()
OUT = os.environ["COUNT_CALLS_PROFILE"]


def _start(*_: Any) -> None:
    PROFILE.enable()


def _stop(*_: Any) -> None:
    PROFILE.disable()
    PROFILE.dump_stats(OUT + ".part")
    os.replace(OUT + ".part", OUT)


signal.signal(signal.SIGUSR1, _start)
signal.signal(signal.SIGUSR2, _stop)
sys.argv = ["gate", *sys.argv[1:]]
runpy.run_module("gate.cli", run_name="__main__", alter_sys=True)
