"""Check-ins offered at a fixed rate (used by bench.py): each user sends BENCH_RATE_PER_USER
check-ins a second, as cameras at a busy gate would: walk-ins with new plates, or with
BENCH_PLATES (a file of "direction plate" lines) the booked trucks listed there, each once."""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

from locust import FastHttpUser, constant_throughput, task

# Cameras of both directions (an hour of one direction holds 10,000 trucks), taken in turn.
TOKENS = (os.environ.get("BENCH_TOKENS") or os.environ.get("BENCH_TOKEN", "")).split(",")
GATE = os.environ.get("BENCH_GATE", "tan-thanh")
_numbers = itertools.count()
_PLATES = os.environ.get("BENCH_PLATES")
_booked = iter([line for line in Path(_PLATES).read_text().splitlines() if line] if _PLATES else [])
ADMITTED = (b'"outcome":"on_time"', b'"outcome":"early"', b'"outcome":"late"')


class Camera(FastHttpUser):
    wait_time = constant_throughput(float(os.environ.get("BENCH_RATE_PER_USER", "20")))

    @task
    def check_in(self) -> None:
        n = next(_numbers) + os.getpid() % 7 * 1_000_000
        plate = f"{10 + n // 100000 % 89:02d}K{n % 100000:05d}"
        token = TOKENS[n % len(TOKENS)]
        admitted: tuple[bytes, ...] = (b'"outcome":"walk_in"',)
        if _PLATES:
            direction, _, plate = next(_booked, "export -").partition(" ")
            token, admitted = TOKENS[direction == "import"], ADMITTED
        body = {
            "event_id": f"rate-{os.getpid()}-{n}",
            "observed_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
            "plate": plate,
        }
        with self.client.post(
            f"/api/v1/gates/{GATE}/checkins",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            name="check-in",
            catch_response=True,
        ) as answer:
            content = answer.content or b""
            if answer.status_code == 200 and not any(outcome in content for outcome in admitted):
                answer.failure(f"not admitted: {(answer.content or b'')[:120]!r}")
