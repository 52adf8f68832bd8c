"""Officers working the queue: the gate operator calls the next vehicle to a lane, the
inspection starts, border guard, customs and quarantine clear it, it exits."""

from __future__ import annotations

import random

from locust import FastHttpUser, between, task

from loadtests.flows.shared import SHARED


class Officers(FastHttpUser):
    weight = 1
    wait_time = between(0.3, 1.0)

    def on_start(self) -> None:
        assert SHARED.run is not None
        self.run = SHARED.run
        self.gate = f"/api/v1/gates/{self.run.gate}"
        self.as_ = {a: {"Authorization": f"Bearer {t}"} for a, t in self.run.officers.items()}

    @task
    def serve_one_vehicle(self) -> None:
        lane = random.choice(["X1", "X2"])
        with self.client.post(
            f"{self.gate}/lanes/{lane}/call-next",
            headers=self.as_["gate_operator"],
            name="yard: call next",
            catch_response=True,
        ) as response:
            if response.status_code == 409 and "lane-occupied" in response.text:
                # Another officer's truck is still at that lane (one truck per lane): the
                # rule at work, not a failure; this officer tries again on the next task.
                response.success()
                return
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            called = response.json()["called"]
        if called is None:
            return
        vehicle = f"{self.gate}/vehicles/{called['booking_id']}"
        self.client.post(
            f"{vehicle}/inspection",
            headers=self.as_["gate_operator"],
            name="yard: start inspection",
        )
        detail = self.client.get(vehicle, headers=self.as_["gate_operator"], name="yard: vehicle")
        for agency in detail.json()["required_agencies"]:
            body = {"decision": "cleared"}
            if agency == "customs":
                body["channel"] = random.choice(["green", "yellow", "red"])
            self.client.post(
                f"{vehicle}/decisions", json=body, headers=self.as_[agency], name="yard: decision"
            )
        self.client.post(f"{vehicle}/exit", headers=self.as_["gate_operator"], name="yard: exit")

    @task(2)
    def look_at_the_queue(self) -> None:
        self.client.get(
            f"{self.gate}/queue?direction=export", headers=self.as_["customs"], name="yard: queue"
        )
