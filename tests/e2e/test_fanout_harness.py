"""A short run of the websocket fan-out harness: small numbers, checking that every viewer
reaches every state and the figures come out, not how fast (timings are for the benchmark)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e.server import ROOT


def test_the_fanout_harness_brings_every_viewer_to_every_state(tmp_path: Path):
    out = tmp_path / "fanout.json"
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "loadtests" / "fanout.py"),
            "--viewers",
            "60",
            "--seconds",
            "2",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads(out.read_text())
    assert results["failed_viewers"] == 0
    assert results["viewer_states_never_reached"] == 0
    assert results["final_waiting_total"] == results["updates"] == 4
    assert results["server_kib_per_viewer"] is not None
    assert results["latency_p99_s"] >= results["latency_p50_s"] > 0
    # A message reaches a viewer's socket (the kernel's timestamp) before the harness reads it.
    assert results["read_latency_p50_s"] >= results["latency_p50_s"]
    assert results["read_latency_p99_s"] >= results["latency_p99_s"]
