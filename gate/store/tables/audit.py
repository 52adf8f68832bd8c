"""The audit log (nhật ký kiểm toán): append-only, one SHA-256 hash chain per gate."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gate.store.tables.base import Base


class AuditLogEntry(Base):
    """One transition. Triggers refuse UPDATE and DELETE on this table; the hashes make any
    change made around them (by someone who can drop a trigger) visible to `gate audit verify`."""

    __tablename__ = "audit_log"

    chain: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime]
    event: Mapped[str] = mapped_column(String(60))
    subject_id: Mapped[str] = mapped_column(String(36), index=True)
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(36))
    role: Mapped[str | None] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(300))
    data: Mapped[str] = mapped_column(Text)  # canonical JSON of the record's extra facts
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))
    # The request that appended it (gate/request_ids.py); None before 0019 and for work no
    # request asked for. Not hashed: see docs/architecture.md, "Request ids".
    request_id: Mapped[str | None] = mapped_column(String(128))


class AuditHead(Base):
    """The last entry of each chain: locked to append, and compared by verify to catch a
    truncated tail."""

    __tablename__ = "audit_heads"

    chain: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int]
    entry_hash: Mapped[str] = mapped_column(String(64))
