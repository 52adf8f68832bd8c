"""Public board viewers, over websockets, in Locust's gevent world (websocket-client is a
plain-socket client that gevent makes cooperative)."""

from __future__ import annotations

import json
import time

import websocket
from locust import User, between, task

from loadtests.flows.shared import SHARED


class BoardViewer(User):
    weight = 2
    wait_time = between(0.0, 0.1)

    def on_start(self) -> None:
        assert SHARED.run is not None
        # Where the public watches: the boards' broadcast server when there is one.
        base = SHARED.boards_url or SHARED.run.base.replace("http://", "ws://")
        url = f"{base}/ws/v1/gates/{SHARED.run.gate}/board"
        started = time.perf_counter()
        self.socket = websocket.create_connection(url, timeout=10)
        self._fire("connect", started, 0)
        self.state: dict[str, object] | None = None
        self.seq: int | None = None

    def _fire(self, name: str, started: float, length: int, error: Exception | None = None) -> None:
        self.environment.events.request.fire(
            request_type="WS",
            name=f"board: {name}",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=length,
            exception=error,
            context={},
        )

    @task
    def receive(self) -> None:
        started = time.perf_counter()
        try:
            self.socket.settimeout(5)
            raw = self.socket.recv()
        except websocket.WebSocketTimeoutException:
            return  # a quiet board: nothing changed
        except Exception as error:
            self._fire("message", started, 0, error)
            raise
        message = json.loads(raw)
        if message["kind"] == "snapshot":
            self.state = message["data"]
        elif self.state is not None and message["prev"] == self.seq:
            self.state = {**self.state, **message["data"]}
        else:
            self._fire("message", started, len(raw), RuntimeError("a gap in the sequence"))
            return
        self.seq = message["seq"]
        self._fire("message", started, len(raw))

    def on_stop(self) -> None:
        # Follow a little longer, so the final state can be compared with the database.
        deadline = time.time() + 3
        while time.time() < deadline:
            try:
                self.socket.settimeout(max(0.1, deadline - time.time()))
                message = json.loads(self.socket.recv())
            except Exception:
                break
            if message["kind"] == "snapshot":
                self.state = message["data"]
            elif self.state is not None and message["prev"] == self.seq:
                self.state = {**self.state, **message["data"]}
            self.seq = message["seq"]
        if self.state is not None:
            with SHARED.lock:
                SHARED.board_states.append(self.state)
        self.socket.close()
