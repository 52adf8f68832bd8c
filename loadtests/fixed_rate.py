"""Check-ins offered at a fixed rate (used by bench.py): each user sends BENCH_RATE_PER_USER
walk-in check-ins a second, with new plates and event ids, as cameras at a busy gate would."""

from __future__ import annotations

import itertools
import os
import time

from locust import FastHttpUser, constant_throughput, task

TOKEN = os.environ.get("BENCH_TOKEN", "")
_numbers = itertools.count()


class Camera(FastHttpUser):
    wait_time = constant_throughput(float(os.environ.get("BENCH_RATE_PER_USER", "20")))

    @task
    def check_in(self) -> None:
        n = next(_numbers) + os.getpid() % 7 * 1_000_000
        body = {
            "event_id": f"rate-{os.getpid()}-{n}",
            "observed_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
            "plate": f"{10 + n // 100000 % 89:02d}K{n % 100000:05d}",
        }
        self.client.post(
            "/api/v1/gates/tan-thanh/checkins",
            json=body,
            headers={"Authorization": f"Bearer {TOKEN}"},
            name="check-in",
        )
