"""The statistics' rollups (issue 17): hourly counts and time distributions per gate,
direction and class, kept current by ``gate/statistics/`` from the audit chains.

What each count and time means, and which hour it belongs to, is
``gate/domain/statistics.py``'s docstring. Capacity offered and held per hour is not copied
here: ``slots`` is already one row per gate, direction and hour (see
``gate/statistics/capacity.py``, which counts the calendar's places in every hour)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gate.store.tables.base import Base

# Sums of seconds over a year of trucks pass 2**31 (a million waits of an hour).
_BIG = BigInteger().with_variant(Integer(), "sqlite")


class StatisticsHour(Base):
    """Counts of one gate, direction, UTC hour and class."""

    __tablename__ = "statistics_hours"
    __table_args__ = (Index("ix_statistics_hours_hour", "hour"),)

    gate_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    direction: Mapped[str] = mapped_column(String(10), primary_key=True)
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    queue_class: Mapped[str] = mapped_column(String(12), primary_key=True)
    made: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[int] = mapped_column(default=0)
    lapsed: Mapped[int] = mapped_column(default=0)
    walk_ins: Mapped[int] = mapped_column(default=0)
    checked_in: Mapped[int] = mapped_column(default=0)
    called: Mapped[int] = mapped_column(default=0)
    exited: Mapped[int] = mapped_column(default=0)
    turned_back: Mapped[int] = mapped_column(default=0, server_default="0")
    expired: Mapped[int] = mapped_column(default=0, server_default="0")


class StatisticsTime(Base):
    """One bucket of one measure's distribution (a wait, an agency's time, the forecast's
    error) of one gate, direction, UTC hour and class: how many values and their sum."""

    __tablename__ = "statistics_times"
    __table_args__ = (Index("ix_statistics_times_measure_hour", "measure", "hour"),)

    gate_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    direction: Mapped[str] = mapped_column(String(10), primary_key=True)
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    queue_class: Mapped[str] = mapped_column(String(12), primary_key=True)
    measure: Mapped[str] = mapped_column(String(40), primary_key=True)
    bucket: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[int] = mapped_column(_BIG, default=0)


class StatisticsBooking(Base):
    """What one booking was last counted as (its contributions, canonical JSON): taken away
    before its new ones are added, so a booking folded twice counts once."""

    __tablename__ = "statistics_bookings"

    booking_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    folded: Mapped[str] = mapped_column(Text)


class StatisticsMark(Base):
    """How far the job has read one gate's audit chain: the last seq folded in."""

    __tablename__ = "statistics_marks"

    chain: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
