"""The bounds of the fault handling are settings with sane defaults."""

from __future__ import annotations

from gate.config import Settings


def test_readiness_and_publishing_bounds_default_short_and_follow_the_environment():
    defaults = Settings.from_env({})
    assert defaults.ready_timeout_s == 2.0
    assert defaults.bus_publish_timeout_s == 0.25
    tuned = Settings.from_env({"GATE_READY_TIMEOUT": "0.5", "GATE_BUS_PUBLISH_TIMEOUT": "0.1"})
    assert tuned.ready_timeout_s == 0.5
    assert tuned.bus_publish_timeout_s == 0.1
