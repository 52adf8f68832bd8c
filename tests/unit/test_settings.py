"""Settings from the environment reach what they configure."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from gate.config import VARIABLES, SettingError, Settings
from gate.store.database import create_engine


def test_the_pool_waits_as_long_as_configured_before_a_503():
    """A rush queues requests for a database connection: by default they wait 30 s for their
    turn rather than fail; GATE_DB_POOL_TIMEOUT changes it."""
    url = {"GATE_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test"}
    default = Settings.from_env(url)
    assert default.db_pool_timeout_s == 30
    tuned = Settings.from_env({**url, "GATE_DB_POOL_TIMEOUT": "7.5", "GATE_DB_POOL_SIZE": "4"})
    engine = create_engine(tuned)
    try:
        pool = engine.sync_engine.pool
        assert pool.timeout() == 7.5  # type: ignore[attr-defined]
        assert pool.size() == 4  # type: ignore[attr-defined]
    finally:
        engine.sync_engine.dispose()


def test_the_boards_server_runs_only_when_given_a_port():
    """GATE_BOARDS_PORT turns the public boards' broadcast server on (0: any free port);
    unset or empty it stays off and the API's endpoint serves the boards."""
    assert Settings.from_env({}).boards_port is None
    assert Settings.from_env({"GATE_BOARDS_PORT": ""}).boards_port is None
    assert Settings.from_env({"GATE_BOARDS_PORT": "8001"}).boards_port == 8001
    assert Settings.from_env({"GATE_BOARDS_PORT": "0"}).boards_port == 0
    public = Settings.from_env({"GATE_BOARDS_URL": "wss://boards.example.vn"})
    assert public.boards_url == "wss://boards.example.vn"


def test_retry_keys_are_kept_a_day_and_device_event_ids_a_week_unless_configured():
    default = Settings.from_env({})
    assert default.idempotency_key_retention == timedelta(hours=24)
    assert default.device_event_retention == timedelta(days=7)
    tuned = Settings.from_env(
        {"GATE_IDEMPOTENCY_KEY_RETENTION_HOURS": "48", "GATE_DEVICE_EVENT_RETENTION_HOURS": "72"}
    )
    assert tuned.idempotency_key_retention == timedelta(hours=48)
    assert tuned.device_event_retention == timedelta(hours=72)


def test_streams_are_rechecked_every_two_seconds_unless_configured():
    assert Settings.from_env({}).stream_recheck_s == 2
    assert Settings.from_env({"GATE_STREAM_RECHECK_S": "0.5"}).stream_recheck_s == 0.5
    for wrong in ("0", "-1"):
        with pytest.raises(ValueError, match="above 0"):
            Settings.from_env({"GATE_STREAM_RECHECK_S": wrong})


def test_an_empty_environment_gives_every_default_the_settings_state():
    """Each default is stated once, on its field: the environment adds nothing of its own.
    The CSRF key is a fresh random secret each time, so it is compared by its shape."""
    from_env, defaults = Settings.from_env({}), Settings()
    for each in dataclasses.fields(Settings):
        if each.name == "secret_key":
            continue
        assert getattr(from_env, each.name) == getattr(defaults, each.name), each.name
    assert defaults.database_url == "sqlite+aiosqlite:///.gate/gate.db"
    assert len(from_env.secret_key) >= 32


def test_an_empty_variable_leaves_the_default():
    blank = {name: "" for name, _, _ in VARIABLES}
    assert Settings.from_env(blank).host == Settings().host
    assert Settings.from_env(blank).redis_namespace == "gate"


def test_the_database_follows_the_data_folder_unless_given():
    assert Settings.from_env({"GATE_DATA_DIR": "/srv/gate"}).database_url == (
        "sqlite+aiosqlite:////srv/gate/gate.db"
    )
    given = Settings.from_env({"GATE_DATABASE_URL": "postgres://u@db/gate"})
    assert given.database_url == "postgresql+asyncpg://u@db/gate"


def test_every_variable_has_a_row_in_the_readme():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    configuration = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    missing = [name for name, _, _ in VARIABLES if f"`{name}`" not in configuration]
    assert missing == []


def test_a_read_replica_is_postgresql_beside_a_postgresql_primary_only():
    """GATE_DATABASE_REPLICA_URL: a plain PostgreSQL URL is given its async driver; with an
    SQLite database (the embedded default) or a replica that is not PostgreSQL, start-up is
    refused with a message naming the variable, and no password is repeated in it."""
    primary = {"GATE_DATABASE_URL": "postgresql://postgres@db:5432/gate"}
    assert Settings.from_env(primary).database_replica_url is None
    given = Settings.from_env(
        {**primary, "GATE_DATABASE_REPLICA_URL": "postgres://reader@replica:5432/gate"}
    )
    assert given.database_replica_url == "postgresql+asyncpg://reader@replica:5432/gate"
    assert (given.replica_max_lag_s, given.replica_check_s) == (5.0, 1.0)
    for env in (
        {"GATE_DATABASE_REPLICA_URL": "postgresql://reader:s3cret@replica/gate"},
        {**primary, "GATE_DATABASE_REPLICA_URL": "sqlite:///copy.db"},
        {**primary, "GATE_DATABASE_REPLICA_URL": "mysql://reader:s3cret@replica/gate"},
    ):
        with pytest.raises(SettingError, match="GATE_DATABASE_REPLICA_URL") as refused:
            Settings.from_env(env)
        assert "s3cret" not in str(refused.value)
    with pytest.raises(SettingError, match="GATE_REPLICA_MAX_LAG_S"):
        Settings.from_env({**primary, "GATE_REPLICA_MAX_LAG_S": "0"})
