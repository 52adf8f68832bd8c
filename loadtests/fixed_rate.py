"""Check-ins offered at a fixed rate (used by bench.py): each user sends BENCH_RATE_PER_USER
walk-in check-ins a second, with new plates and event ids, as cameras at a busy gate would."""

from __future__ import annotations

import itertools
import os
import time

from locust import FastHttpUser, constant_throughput, task

# Cameras of both directions (an hour of one direction holds 10,000 trucks), taken in turn.
TOKENS = (os.environ.get("BENCH_TOKENS") or os.environ.get("BENCH_TOKEN", "")).split(",")
GATE = os.environ.get("BENCH_GATE", "tan-thanh")
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
        token = TOKENS[n % len(TOKENS)]
        with self.client.post(
            f"/api/v1/gates/{GATE}/checkins",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            name="check-in",
            catch_response=True,
        ) as answer:
            if answer.status_code == 200 and b'"outcome":"walk_in"' not in (answer.content or b""):
                answer.failure(f"not admitted: {(answer.content or b'')[:120]!r}")
