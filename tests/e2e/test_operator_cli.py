"""The operator's command line as real processes, on SQLite (the embedded default) and
PostgreSQL: ``gate --version``, ``gate db current|history|upgrade``, ``gate openapi`` (the
bytes a running platform serves) and ``gate admin rotate-token`` (the running platform refuses
the old token from its next request)."""

from __future__ import annotations

import asyncio
import os
import re
import stat
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import asyncpg
import httpx
import pytest
from alembic.script import ScriptDirectory

from gate.store.migrate import alembic_config, downgrade
from tests.e2e.cli import GATE, environment, gate, one_line
from tests.e2e.server import listening, running_platform
from tests.services import BACKENDS, POSTGRES_URL, outside_loop, worker


def _fresh_postgres(name: str) -> str:
    """An empty PostgreSQL database of this worker's; its URL."""

    async def recreate() -> None:
        connection = await asyncpg.connect(POSTGRES_URL)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
        await connection.close()

    outside_loop(asyncio.run, recreate())
    return f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"


def _revisions() -> list[str]:
    """Every migration of the code, oldest first."""
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [s.revision for s in reversed(list(scripts.walk_revisions()))]


def test_version_is_the_installed_distributions():
    done = gate("--version", env=environment())
    assert done.returncode == 0
    assert done.stdout.strip() == f"gate {version('gate-platform')}"


@pytest.mark.parametrize("backend", BACKENDS)
def test_db_commands_say_where_the_schema_stands_and_upgrade_a_line_per_migration(
    backend: str, tmp_path: Path
):
    if backend == "sqlite":
        env = environment(GATE_DATA_DIR=str(tmp_path / "data"))
        url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'gate.db'}"
        # No database there: said in one line, and none is made by looking.
        missing = gate("db", "current", env=env)
        assert missing.returncode == 1
        assert "no database at" in one_line(missing.stderr)
        assert not (tmp_path / "data").exists()
    else:
        url = _fresh_postgres(f"gate_cli_{worker()}")
        env = environment(GATE_DATABASE_URL=url)
        empty = gate("db", "current", env=env)
        assert empty.returncode == 0, empty.stderr
        assert empty.stdout.startswith("no migration applied")

    revisions = _revisions()
    head, before = revisions[-1], revisions[-2]
    first = gate("db", "upgrade", env=env)
    assert first.returncode == 0, first.stderr
    lines = first.stderr.strip().splitlines()
    assert [line.split(":", 1)[0] for line in lines] == [
        f"[{n}/{len(revisions)}] {revision}" for n, revision in enumerate(revisions, start=1)
    ]
    assert first.stdout.startswith("schema is up to date") and head in first.stdout

    outside_loop(downgrade, url.replace("postgresql://", "postgresql+asyncpg://"), before)
    current = gate("db", "current", env=env)
    assert current.stdout.strip() == f"at {before}; `gate db upgrade` applies 1: {head}"
    history = gate("db", "history", env=env).stdout.strip().splitlines()
    assert [line.split()[:2] for line in history] == [["applied", r] for r in revisions[:-1]] + [
        ["pending", head]
    ]
    assert history[-2].endswith("<- current")

    again = gate("db", "upgrade", env=env)
    assert again.returncode == 0, again.stderr
    assert re.fullmatch(rf"\[1/1\] {head}: .+ \(\d+\.\d s\)", one_line(again.stderr))
    latest = gate("db", "current", env=env)
    assert latest.stdout.strip() == f"at {head}, the latest: nothing to apply"
    nothing = gate("db", "upgrade", env=env)
    assert nothing.returncode == 0 and nothing.stderr == ""


@pytest.fixture(scope="module", params=BACKENDS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path, dict[str, str]]]:
    """A running platform, its base URL, the file its administrator token is in, and the
    environment the operator's commands run with: the embedded default (the token file
    `gate serve` makes in the data folder), or PostgreSQL with GATE_ADMIN_TOKEN_FILE (a
    mounted secret)."""
    data = tmp_path_factory.mktemp("served")
    if request.param == "sqlite":
        cli = environment(GATE_DATA_DIR=str(data))
        token_file = data / "admin-token"
    else:
        token_file = data / "secrets" / "admin-token"
        token_file.parent.mkdir()
        token_file.write_text("the-first-administrator-token\n")
        token_file.chmod(0o600)
        cli = environment(
            GATE_DATABASE_URL=_fresh_postgres(f"gate_cli_served_{worker()}"),
            GATE_ADMIN_TOKEN_FILE=str(token_file),
            GATE_DATA_DIR=str(data),
        )
    # One worker: each process of the platform reads the token file for itself (a stat per
    # request), so more prove nothing more; and uvicorn's supervisor kills a worker that does
    # not answer its 5 s health check while it starts on a loaded machine, again and again.
    with running_platform([GATE, "serve"], cli, listening(), ready_within=180) as base:
        yield base, token_file, cli


def test_openapi_writes_the_bytes_the_platform_serves(
    served: tuple[str, Path, dict[str, str]], tmp_path: Path
):
    base, _, env = served
    answer = httpx.get(f"{base}/schema/openapi.json", timeout=30)
    assert answer.status_code == 200
    written = gate("openapi", "--output", str(tmp_path / "openapi.json"), env=env)
    assert written.returncode == 0, written.stderr
    assert (tmp_path / "openapi.json").read_bytes() == answer.content
    # Standard output too, and with no platform's settings at all (nothing is opened).
    printed = gate("openapi", env=environment(GATE_DATA_DIR=str(tmp_path / "none")))
    assert printed.stdout.encode() == answer.content
    assert not (tmp_path / "none").exists()


def _status(base: str, token: str) -> int:
    with httpx.Client(base_url=base, timeout=30) as client:
        headers = {"Authorization": f"Bearer {token}"}
        return client.get("/api/v1/enterprises", headers=headers).status_code


def test_rotate_token_replaces_the_file_and_the_running_platform_refuses_the_old_token(
    served: tuple[str, Path, dict[str, str]],
):
    base, token_file, env = served
    old = token_file.read_text().strip()
    assert _status(base, old) == 200
    inode = token_file.stat().st_ino

    done = gate("admin", "rotate-token", env=env)
    assert done.returncode == 0, done.stderr
    new = token_file.read_text().strip()
    assert new != old and len(new) >= 43
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert token_file.stat().st_ino != inode  # replaced whole, never rewritten in place
    assert new not in done.stdout + done.stderr  # the file holds it, nothing prints it
    for _ in range(6):
        assert _status(base, old) == 401
        assert _status(base, new) == 200


def test_rotate_token_for_an_environment_token_prints_a_new_one_and_the_steps(tmp_path: Path):
    env = environment(GATE_ADMIN_TOKEN="the-token-in-the-environment")
    done = gate("admin", "rotate-token", env=env)
    assert done.returncode == 0
    token = one_line(done.stdout)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    assert "GATE_ADMIN_TOKEN" in done.stderr and "restart" in done.stderr

    output = tmp_path / "new-token"
    written = gate("admin", "rotate-token", "--output", str(output), env=env)
    assert written.returncode == 0
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    kept = output.read_text().strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", kept) and kept not in written.stdout

    again = gate("admin", "rotate-token", "--output", str(output), env=env)
    assert again.returncode == 2
    assert "exists" in one_line(again.stderr)
    assert output.read_text().strip() == kept


def test_rotate_token_without_a_token_file_where_the_settings_say_changes_nothing(
    tmp_path: Path,
):
    env = environment(GATE_DATA_DIR=str(tmp_path / "data"))
    done = gate("admin", "rotate-token", env=env)
    assert done.returncode == 2
    assert "no administrator token at" in one_line(done.stderr)
    assert not (tmp_path / "data").exists()
    assert os.listdir(tmp_path) == []
