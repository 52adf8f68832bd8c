"""The embedded default's data folder made read-only, then writable again: writes answer 503
saying the file cannot be written, readiness says so too, and writes come back without a
restart.

How the folder is made read-only. The tests may run as root, whom file modes do not stop, so
under root the folder and the database file are made immutable (``chattr +i``, which root
obeys) and otherwise their modes are taken away (``chmod``). Either way the effect is the one
the fault drill saw: a connection opened meanwhile can only read, and stays so for its life
(SQLite opens the file read-only when it cannot open it for writing), while descriptors and
maps opened before keep working. The ``-wal`` and ``-shm`` files are left alone: SQLite maps
``-shm`` into memory, and making a mapped file immutable kills the process (SIGBUS) where a
changed mode changes nothing for a map already made.

Which writes fail meanwhile is SQLite's to decide, not the test's: connections opened before
keep writing, and SQLite's unix VFS may give a new connection the descriptor of a closed one
(opened for writing before). So the test asserts what holds whatever the mix: among writes
sent together (more than the pool holds) some meet a read-only connection and answer 503
``read-only-file``, none answers anything but 201 or 503, readiness says the file cannot be
written, and once it can, writes succeed again at once.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from tests.apps import app_for
from tests.asgi import in_process_client
from tests.helpers import ADMIN_TOKEN, Api, Enterprise


@contextmanager
def read_only(folder: Path, database: Path) -> Iterator[None]:
    """``folder`` and ``database`` unwritable for new opens while the block runs."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(folder), str(database)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder), str(database)], check=True)
    else:
        folder.chmod(0o500)
        database.chmod(0o400)
        try:
            yield
        finally:
            folder.chmod(0o700)
            database.chmod(0o600)


@pytest.fixture
async def embedded(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[tuple[Api, Path]]:
    folder = tmp_path / "data"
    folder.mkdir()
    database = folder / "gate.db"
    shutil.copyfile(sqlite_template, database)
    settings = Settings(
        data_dir=folder,
        database_url=f"sqlite+aiosqlite:///{database}",
        admin_token=ADMIN_TOKEN,
        sweep_seconds=0,
        db_pool_size=5,
        db_pool_overflow=40,
    )
    async with in_process_client(app_for(settings, InMemoryEventBus())) as client:
        yield Api(client), database


async def _register_driver(enterprise: Enterprise, n: int) -> httpx.Response:
    body = {"full_name": f"Lò Văn {n}", "id_number": f"0019{n:08d}", "phone": "0912345678"}
    return await enterprise.api.client.post(
        "/api/v1/drivers", json=body, headers=enterprise.headers
    )


async def test_a_read_only_data_folder_answers_503_and_writes_recover_without_a_restart(
    embedded: tuple[Api, Path],
):
    api, database = embedded
    enterprise = await api.enterprise()
    assert (await _register_driver(enterprise, 0)).status_code == 201
    assert (await api.client.get("/health/ready")).status_code == 200

    with read_only(database.parent, database):
        answers = await asyncio.gather(*(_register_driver(enterprise, n) for n in range(1, 31)))
        assert {a.status_code for a in answers} <= {201, 503}, [a.text for a in answers]
        refused = [a for a in answers if a.status_code == 503]
        assert refused, "every write found a connection opened before the folder was read-only"
        assert refused[0].json()["reason"] == "read-only-file"
        assert "cannot be written" in refused[0].json()["detail"]
        ready = await api.client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["database"] == "read-only-file"
        assert "cannot be written" in ready.json()["detail"]
        assert (await api.client.get("/api/v1/gates")).status_code == 200  # reads go on
        # Reads together, after the last refused write: connections opened now, after the
        # pool's last invalidation, can only read, and go back to the pool as fresh.
        reads = await asyncio.gather(*(api.client.get("/api/v1/gates") for _ in range(10)))
        assert {r.status_code for r in reads} == {200}

    # Writable again: every connection opened while the folder was read-only is dropped
    # when next checked out (gate/store/database.py), so writes succeed at once, one after
    # another through the whole pool. (Before, one of those the reads opened answered a
    # write 503 after others had succeeded: seen in CI on a busy machine.)
    for n in range(200, 215):
        answer = await _register_driver(enterprise, n)
        assert answer.status_code == 201, answer.text
    assert (await api.client.get("/health/ready")).status_code == 200
