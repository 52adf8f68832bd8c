"""The secrets `gate serve` keeps in the data folder (the CSRF key, the embedded default's
admin token): processes started together on one folder (compose's replicas on a shared
volume) all read the one secret the first made, never a half-written file."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gate.addresses import pipeline_host
from gate.cli.files import kept_secret
from gate.config import Settings


def test_many_takers_at_once_all_read_the_one_secret_made(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data")
    with ThreadPoolExecutor(8) as pool:
        secrets = set(pool.map(lambda _: kept_secret(settings, "secret-key"), range(64)))
    assert len(secrets) == 1 and len(secrets.pop()) >= 40
    kept = tmp_path / "data" / "secret-key"
    assert kept.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in kept.parent.iterdir()] == ["secret-key"]  # no drafts left


def test_the_pipeline_host_auto_is_an_address_of_this_machine_others_can_reach():
    assert pipeline_host("10.1.2.3") == "10.1.2.3"
    assert pipeline_host("") == ""
    address = pipeline_host("auto")
    assert address.count(".") == 3 and address != "0.0.0.0"
