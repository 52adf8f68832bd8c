"""A deadlock or serialization failure is a retryable 503, never a 500."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import DBAPIError

from gate.store.database import is_transient_conflict


class _DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _wrapped(orig: Any) -> DBAPIError:
    return DBAPIError("UPDATE slots ...", {}, orig)


def test_deadlocks_and_serialization_failures_are_transient_conflicts_and_others_are_not():
    assert is_transient_conflict(_wrapped(_DriverError("40P01")))
    assert is_transient_conflict(_wrapped(_DriverError("40001")))
    assert not is_transient_conflict(_wrapped(_DriverError("23505")))
    assert not is_transient_conflict(RuntimeError("40P01"))
