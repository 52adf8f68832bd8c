"""The multiprocess folder `gate serve --workers N` sets up for /metrics (gate/cli/
metrics_dir.py): emptied of an earlier run's files before the workers start, made and
removed when the operator names none, left alone with one worker."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gate.cli.metrics_dir import VARIABLE, empty_given, multiprocess_metrics


def test_an_operator_s_folder_is_emptied_of_an_earlier_run_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    (tmp_path / "counter_4242.db").write_bytes(b"an earlier run's figures")
    (tmp_path / "notes.txt").write_text("not ours")
    monkeypatch.setenv(VARIABLE, str(tmp_path))
    with multiprocess_metrics(2) as folder:
        assert folder == str(tmp_path)
        assert os.environ[VARIABLE] == str(tmp_path)
        assert not list(tmp_path.glob("*.db"))
    assert tmp_path.is_dir() and (tmp_path / "notes.txt").exists()


def test_without_one_a_private_folder_is_made_for_the_workers_and_removed(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.delenv(VARIABLE, raising=False)
    with multiprocess_metrics(2) as folder:
        assert folder is not None and Path(folder).is_dir()
        assert os.environ[VARIABLE] == folder
        (Path(folder) / "counter_1.db").write_bytes(b"a worker's figures")
    assert not Path(folder).exists()
    assert VARIABLE not in os.environ  # nor named any more


def test_one_worker_keeps_its_figures_in_memory(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(VARIABLE, raising=False)
    with multiprocess_metrics(1) as folder:
        assert folder is None
        assert VARIABLE not in os.environ


def test_an_operator_s_folder_is_emptied_before_a_single_worker_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    (tmp_path / "gauge_livesum_4242.db").write_bytes(b"a crashed run's gauge")
    monkeypatch.setenv(VARIABLE, str(tmp_path))
    empty_given()
    assert not list(tmp_path.glob("*.db"))
