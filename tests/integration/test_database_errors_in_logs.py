"""A database error names its statement, never its values: what a statement was given (plates,
e-mails, names, phone numbers) would otherwise ride on the exception into every log line that
writes its traceback (a failed check-in batch, an unexpected error)."""

from __future__ import annotations

import traceback

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gate.config import Settings
from gate.store.database import create_engine

PLATE = "12C-999.88"
EMAIL = "nguyen.van.a@cong-ty.vn"


async def test_a_failed_statement_carries_none_of_its_values_into_its_traceback(
    settings: Settings,
):
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            with pytest.raises(DBAPIError) as failed:
                # Refused by the table's constraints (no enterprise, no type): any error will do.
                await connection.execute(
                    text("INSERT INTO vehicles (plate, registration_number) VALUES (:p, :e)"),
                    {"p": PLATE, "e": EMAIL},
                )
    finally:
        await engine.dispose()
    written = "".join(traceback.format_exception(failed.value))
    assert "INSERT INTO vehicles" in written  # the statement still says what failed
    assert PLATE not in written and EMAIL not in written
