"""LPR cameras and kiosks checking vehicles in, as devices do: with retries of the same event
and duplicate reads of the same truck, sometimes a batch after an outage."""

from __future__ import annotations

import random
import time
from typing import Any

from locust import FastHttpUser, between, task

from loadtests.flows.shared import SHARED, next_number


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())


class Camera(FastHttpUser):
    """A yard-entrance camera: reads booked trucks, unknown trucks (walk-ins), and re-sends."""

    weight = 4
    wait_time = between(0.05, 0.2)

    def on_start(self) -> None:
        assert SHARED.run is not None
        self.run = SHARED.run
        self.token = random.choice(self.run.cameras)
        self.headers = {"Authorization": f"Bearer {self.token}"}
        self.path = f"/api/v1/gates/{self.run.gate}/checkins"

    def _send(self, body: dict[str, Any], name: str) -> None:
        with self.client.post(
            self.path, json=body, headers=self.headers, name=name, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            with SHARED.lock:
                first = SHARED.acknowledged.setdefault(
                    (self.token, body["event_id"]), response.json()["outcome"]
                )
            if first != response.json()["outcome"]:
                response.failure("a replayed event got another answer")

    @task(6)
    def read_a_booked_truck(self) -> None:
        booking = random.choice(self.run.bookings)
        body = {
            "event_id": f"cam-{next_number()}",
            "observed_at": _now(),
            "plate": booking["plate"],
        }
        self._send(body, "check-in: booked truck")
        if random.random() < 0.2:  # the device did not get the answer and retries
            self._send(body, "check-in: retry")

    @task(2)
    def read_a_truck_twice(self) -> None:
        booking = random.choice(self.run.bookings)
        for _ in range(2):  # two frames of the same truck, two event ids
            body = {
                "event_id": f"cam-{next_number()}",
                "observed_at": _now(),
                "plate": booking["plate"],
            }
            self._send(body, "check-in: duplicate read")

    @task(1)
    def read_a_walk_in(self) -> None:
        n = next_number()
        plate = f"{10 + n % 89}H-{n // 100 % 1000:03d}.{n % 100:02d}"
        self._send(
            {"event_id": f"cam-{n}", "observed_at": _now(), "plate": plate}, "check-in: walk-in"
        )

    @task(1)
    def replay_a_backlog(self) -> None:
        """After an outage the device sends what it saw, as a batch, twice."""
        events = [
            {
                "event_id": f"cam-{next_number()}",
                "observed_at": _now(),
                "plate": random.choice(self.run.bookings)["plate"],
            }
            for _ in range(5)
        ]
        for _ in range(2):
            with self.client.post(
                f"{self.path}/batch",
                json={"events": events},
                headers=self.headers,
                name="check-in: batch",
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(f"{response.status_code}")
                    return
                answers = response.json()["answers"]
                with SHARED.lock:
                    for event, answer in zip(events, answers, strict=True):
                        SHARED.acknowledged.setdefault(
                            (self.token, event["event_id"]), answer["outcome"]
                        )


class Kiosk(FastHttpUser):
    """A driver scans the booking's QR code at the kiosk."""

    weight = 1
    wait_time = between(0.2, 0.5)

    def on_start(self) -> None:
        assert SHARED.run is not None
        self.run = SHARED.run
        self.token = random.choice(self.run.kiosks)
        self.headers = {"Authorization": f"Bearer {self.token}"}

    @task
    def scan(self) -> None:
        booking = random.choice(self.run.bookings)
        body = {
            "event_id": f"kiosk-{next_number()}",
            "observed_at": _now(),
            "booking_code": booking["code"],
        }
        with self.client.post(
            f"/api/v1/gates/{self.run.gate}/checkins",
            json=body,
            headers=self.headers,
            name="check-in: kiosk",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
                return
            with SHARED.lock:
                SHARED.acknowledged[(self.token, body["event_id"])] = response.json()["outcome"]
