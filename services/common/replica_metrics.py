"""The read replica's figures for ``/metrics`` (services/common/metrics.py): its lag as this
process last measured it, and whether this process reads from it (gate/store/replica.py)."""

from __future__ import annotations

import math
from collections.abc import Iterator

from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from gate.store.replica import Replica


class ReplicaCollector:
    """A prometheus-client collector of ``replica`` (None: no GATE_DATABASE_REPLICA_URL,
    and no series). ``gate_replica_lag_seconds`` is NaN while the lag cannot be measured
    (the replica unreachable, or not yet asked); an upper bound in steps of
    GATE_REPLICA_CHECK_S otherwise. ``gate_replica_in_use`` is 1 while the reads that may
    lag go to the replica, 0 while they fall back to the primary."""

    def __init__(self, replica: Replica | None) -> None:
        self.replica = replica

    def collect(self) -> Iterator[Metric]:
        replica = self.replica
        if replica is None:
            return
        lag = replica.lag_s
        yield GaugeMetricFamily(
            "gate_replica_lag_seconds",
            "How far the read replica is behind the primary, in seconds, as this process "
            "last measured it (NaN: not measurable, the replica unreachable)",
            value=math.nan if lag is None else lag,
        )
        yield GaugeMetricFamily(
            "gate_replica_in_use",
            "1 while this process reads from the read replica, 0 while it reads the primary "
            "instead (the replica lagging past GATE_REPLICA_MAX_LAG_S, unreachable or promoted)",
            value=1 if replica.in_use else 0,
        )
