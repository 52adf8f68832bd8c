"""Enterprises booking and rescheduling, and the rush when a slot opens: many bookers at once
for a few places."""

from __future__ import annotations

import random
import uuid

from locust import FastHttpUser, between, task

from loadtests.flows.shared import SHARED
from loadtests.prepare import local_hour


class Enterprise(FastHttpUser):
    weight = 2
    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        assert SHARED.run is not None
        self.run = SHARED.run
        self.me = random.choice(self.run.enterprises)
        self.headers = {"Authorization": f"Bearer {self.me['key']}"}

    @task(3)
    def look_at_free_places(self) -> None:
        self.client.get(
            f"/api/v1/gates/{self.run.gate}/availability?direction=export&hours=24",
            name="availability",
        )

    @task(2)
    def list_bookings(self) -> None:
        self.client.get("/api/v1/bookings?limit=20", headers=self.headers, name="bookings: list")

    @task(2)
    def book_reschedule_cancel(self) -> None:
        if not self.me["vehicles"]:
            return
        body = {
            "gate": self.run.gate,
            "direction": "export",
            "slot_start": local_hour(3),
            "vehicle_id": random.choice(self.me["vehicles"]),
            "driver_id": random.choice(self.me["drivers"]),
            "cargo": {"description": "load", "weight_kg": 5000},
        }
        headers = {**self.headers, "Idempotency-Key": uuid.uuid4().hex}
        with self.client.post(
            "/api/v1/bookings",
            json=body,
            headers=headers,
            name="bookings: create",
            catch_response=True,
        ) as response:
            if response.status_code == 409:
                response.success()  # the plate is booked already: a correct refusal
                return
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            booking = response.json()
        # The same request again, as a client that lost the answer: must be the same answer.
        with self.client.post(
            "/api/v1/bookings",
            json=body,
            headers=headers,
            name="bookings: create (retry)",
            catch_response=True,
        ) as again:
            if again.status_code != 201 or again.json()["id"] != booking["id"]:
                again.failure("an idempotent retry made a second booking")
        moved = self.client.post(
            f"/api/v1/bookings/{booking['id']}/reschedule",
            headers=self.headers,
            json={"slot_start": local_hour(4), "version": booking["version"]},
            name="bookings: reschedule",
        )
        version = moved.json()["version"] if moved.status_code == 200 else None
        self.client.post(
            f"/api/v1/bookings/{booking['id']}/cancel",
            headers=self.headers,
            json={"version": version} if version else {},
            name="bookings: cancel",
        )


class Rush(FastHttpUser):
    """Books the slot that just opened with 20 places, the moment the run starts."""

    weight = 1
    wait_time = between(0.05, 0.1)

    def on_start(self) -> None:
        assert SHARED.run is not None
        self.run = SHARED.run
        self.me = random.choice(self.run.enterprises)
        self.headers = {"Authorization": f"Bearer {self.me['key']}"}

    @task
    def rush(self) -> None:
        if not self.me["vehicles"]:
            return
        body = {
            "gate": self.run.gate,
            "direction": "export",
            "slot_start": self.run.rush_slot,
            "vehicle_id": random.choice(self.me["vehicles"]),
            "driver_id": random.choice(self.me["drivers"]),
            "cargo": {"description": "rush", "weight_kg": 5000},
        }
        with self.client.post(
            "/api/v1/bookings",
            json=body,
            headers=self.headers,
            name="rush: book",
            catch_response=True,
        ) as response:
            if response.status_code in (201, 409):
                response.success()  # a place, or a clear refusal: both are right answers
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")
