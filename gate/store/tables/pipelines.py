"""Who decides a gate's check-ins: one pipeline per gate across the platform's processes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gate.store.tables.base import Base


class CheckinPipeline(Base):
    """A gate's check-in lease (gate/checkins/pipelines.py). ``holder``: the process whose
    batch loop decides the gate's check-ins, until ``expires_at`` unless it renews;
    ``epoch``: the fencing token, one more at every change of holder, which every batch
    transaction checks under a share lock of this row; ``address``: where the holder takes
    the batches other processes forward (``host:port``)."""

    __tablename__ = "checkin_pipelines"

    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"), primary_key=True)
    holder: Mapped[str] = mapped_column(String(60))
    epoch: Mapped[int]
    address: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime]
