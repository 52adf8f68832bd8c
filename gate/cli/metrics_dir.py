"""The folder of prometheus-client's multiprocess mode for ``gate serve --workers N``, so that
``/metrics`` answered by any worker adds up every worker's figures (gate/metrics.py).

Each worker writes its counters, histograms and gauges to memory-mapped files of its own in
``PROMETHEUS_MULTIPROC_DIR``; a scrape reads them all. The variable must be in a worker's
environment before it imports prometheus-client: uvicorn starts its workers as fresh
processes that inherit this process's environment, so it is set here, just before uvicorn
starts them. The folder is emptied at each start (prometheus-client's rule: files left by an
earlier run would be added to this one's), and one this command made is removed at exit. An
operator's folder (``PROMETHEUS_MULTIPROC_DIR`` set beforehand) is used as it is, with one
worker too.

With one worker there is nothing to add up: the process keeps its figures in memory, with
the standard process collectors (CPU, memory), and no folder is made."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def empty(path: Path) -> None:
    """Remove the multiprocess mode's files from ``path`` (an earlier or crashed run's)."""
    for stale in path.glob("*.db"):
        stale.unlink()


def empty_given() -> None:
    """Empty the operator's ``PROMETHEUS_MULTIPROC_DIR``, when set, before this process
    counts anything (with one worker, this process serves and writes its files there)."""
    given = os.environ.get(VARIABLE)
    if given and Path(given).is_dir():
        empty(Path(given))


@contextmanager
def multiprocess_metrics(workers: int) -> Iterator[str | None]:
    """With ``workers`` > 1: the folder of the multiprocess mode, set in the environment and
    emptied (again: of this supervising process's own files, which no worker adds to) just
    before the workers start, during the context: the operator's ``PROMETHEUS_MULTIPROC_DIR``
    when set (created if missing), else a private temporary folder, removed afterwards. With
    one worker: the operator's folder or None, left as it is."""
    given = os.environ.get(VARIABLE)
    if workers <= 1:
        yield given or None
        return
    path = Path(given) if given else Path(tempfile.mkdtemp(prefix="gate-metrics-"))
    path.mkdir(parents=True, exist_ok=True)
    empty(path)
    os.environ[VARIABLE] = str(path)
    try:
        yield str(path)
    finally:
        if not given:
            # The environment as it was: a folder removed must not stay named there (a later
            # prometheus-client import in this process would write into a missing folder).
            os.environ.pop(VARIABLE, None)
            shutil.rmtree(path, ignore_errors=True)
