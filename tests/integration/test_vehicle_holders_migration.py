"""Migration 0006 makes a plate unique across enterprises; a database in which two enterprises
registered one plate is refused, named and left as it was, never silently settled."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from gate.config import Settings
from gate.store.database import create_engine
from gate.store.migrate import alembic_config, upgrade
from tests.integration.test_migrations import _in_thread, empty_database  # noqa: F401

ENTERPRISES = "INSERT INTO enterprises (id, name, tax_code, is_aeo, created_at) VALUES "
VEHICLES = (
    "INSERT INTO vehicles (id, enterprise_id, plate, country, vehicle_type, created_at) VALUES "
)


async def _execute(url: str, *statements: str) -> list[Any]:
    engine = create_engine(Settings(database_url=url))
    try:
        async with engine.begin() as connection:
            rows: list[Any] = []
            for statement in statements:
                result = await connection.execute(text(statement))
                rows = list(result.all()) if result.returns_rows else []
            return rows
    finally:
        await engine.dispose()


async def test_an_upgrade_with_a_plate_under_two_enterprises_is_refused_and_changes_nothing(
    empty_database: str,  # noqa: F811
):
    before = ScriptDirectory.from_config(alembic_config(empty_database)).get_revision("0006")
    assert before is not None and isinstance(before.down_revision, str)
    _in_thread(upgrade, empty_database, before.down_revision)
    now = "'2026-11-30 08:00:00+00:00'"
    await _execute(
        empty_database,
        ENTERPRISES + f"('e1', 'Vận tải A', '4900000001', false, {now})",
        ENTERPRISES + f"('e2', 'Xuất khẩu B', '4900000002', false, {now})",
        VEHICLES + f"('v1', 'e1', '12C55501', 'VN', 'truck', {now})",
        VEHICLES + f"('v2', 'e2', '12C55501', 'VN', 'truck', {now})",
        VEHICLES + f"('v3', 'e2', '12C55502', 'VN', 'truck', {now})",
    )

    with pytest.raises(RuntimeError, match=r"1 plates are registered by several: 12C55501"):
        _in_thread(upgrade, empty_database)

    rows = await _execute(empty_database, "SELECT id FROM vehicles ORDER BY id")
    assert [r[0] for r in rows] == ["v1", "v2", "v3"]
    version = await _execute(empty_database, "SELECT version_num FROM alembic_version")
    assert [r[0] for r in version] == [before.down_revision]
