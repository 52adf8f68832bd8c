"""The statistics' rollups (issue 17): hourly counts and time distributions per gate,
direction and class, kept current by ``gate/statistics/`` from the audit chains.

What each count and time means, and which hour it belongs to, is
``gate/domain/statistics.py``'s docstring. Capacity offered and held per hour is not copied
here: ``slots`` is already one row per gate, direction and hour (see
``gate/statistics/capacity.py``, which counts the calendar's places in every hour)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Integer, SmallInteger, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from gate.domain.fee_statistics import FEE_COUNTS
from gate.domain.statistics import COUNTS
from gate.store.tables.base import Base
from gate.store.types import UtcDateTime

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


# The same sums per local day and per local month (issue 17, docs/benchmarks.md "Statistics
# over a year"): a year read from hourly rows is 125,000 to 300,000 bucket rows per measure,
# from daily ones 24 times fewer. Written by the same code, in the same transaction, as the
# hourly ones (``gate/statistics/rows.py::add_to_rollups``); Core tables built from
# ``COUNTS``, so a column counted per hour is counted per day too (its migration adds both).
# A day or month is the instant of its local midnight (Asia/Ho_Chi_Minh).


def _period_key(name: str, *, by_class: bool = True) -> list[Column[object]]:
    key: list[Column[object]] = [
        Column("gate_id", String(36), primary_key=True),
        Column("direction", String(10), primary_key=True),
        Column(name, UtcDateTime(), primary_key=True),
    ]
    if by_class:
        key.append(Column("queue_class", String(12), primary_key=True))
    return key


def _sums() -> list[Column[object]]:
    return [
        Column("count", Integer(), nullable=False, default=0),
        Column("seconds", _BIG, nullable=False, default=0),
    ]


# Counts of one gate, direction, local day and class.
statistics_days = Table(
    "statistics_days",
    Base.metadata,
    *_period_key("day"),
    *(Column(name, Integer(), nullable=False, default=0) for name in COUNTS),
    Index("ix_statistics_days_day", "day"),
)

# One bucket of one measure's distribution per gate, direction, local day and class.
statistics_day_times = Table(
    "statistics_day_times",
    Base.metadata,
    *_period_key("day"),
    Column("measure", String(40), primary_key=True),
    Column("bucket", Integer(), primary_key=True, autoincrement=False),
    *_sums(),
    # A measure of a gate over a window read from the index alone (PostgreSQL's INCLUDE).
    Index(
        "ix_statistics_day_times_measure_gate_day",
        "measure",
        "gate_id",
        "day",
        postgresql_include=["direction", "queue_class", "bucket", "count", "seconds"],
    ),
)

# The typical week's sums (a measure per local weekday and hour of day) per local month:
# the weekday and hour are fixed per row, so a year is twelve months of 7 x 24 cells. Not per
# class: no one asks the typical week per class (a read that does takes the hours), and the
# class halves the rows a year's typical week reads (docs/benchmarks.md).
statistics_weekday_hours = Table(
    "statistics_weekday_hours",
    Base.metadata,
    *_period_key("month", by_class=False),
    Column("measure", String(40), primary_key=True),
    Column("weekday", SmallInteger(), primary_key=True, autoincrement=False),
    Column("local_hour", SmallInteger(), primary_key=True, autoincrement=False),
    Column("bucket", Integer(), primary_key=True, autoincrement=False),
    *_sums(),
    Index(
        "ix_statistics_weekday_hours_measure_gate_month",
        "measure",
        "gate_id",
        "month",
        postgresql_include=[
            "direction",
            "weekday",
            "local_hour",
            "bucket",
            "count",
            "seconds",
        ],
    ),
)

# The fees' totals per gate, direction and local day (issue 19, migration 0031): what each
# column counts, and on which day, is gate/domain/fee_statistics.py's docstring. Per day only:
# a fee's figures are read by the day (an hour of revenue is nobody's question), and a year
# is a few thousand rows. Sums of VND pass 2**31 in a day (2,000 trucks at 1.5 M).
statistics_fee_days = Table(
    "statistics_fee_days",
    Base.metadata,
    *_period_key("day", by_class=False),
    *(Column(name, _BIG, nullable=False, default=0) for name in FEE_COUNTS),
    Index("ix_statistics_fee_days_day", "day"),
)
