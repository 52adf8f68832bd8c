"""compose.yaml run without a container engine (tests/deploy/compose.py): the migration, the
API, two replicas each of checkin and realtime, on a PostgreSQL and a Redis of the test's own,
behind the real nginx with the proxy's own configuration. A check-in sent through the proxy
reaches board viewers on both realtime replicas; stopping a checkin replica loses no
acknowledged check-in; stopping a realtime replica, its viewers reconnect through the proxy
and catch up."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.deploy.compose import LocalCompose, Replica, as_the_image_does, load, own_endpoints
from tests.deploy.proxy import established, nginx_binary, start_proxy
from tests.helpers import ADMIN_TOKEN, Api, device, open_all_day, read, this_hour
from tests.live import Viewer, eventually
from tests.own_services import OwnPostgres, OwnRedis

BOARD = "/ws/v1/gates/tan-thanh/board"
CHECKINS = "/api/v1/gates/tan-thanh/checkins"
REPLAYED = "Idempotent-Replayed"


@dataclass
class Deployment:
    local: LocalCompose
    base: str  # the proxy, the one address clients use
    checkin: list[Replica]
    realtime: list[Replica]


def _nginx() -> str:
    found = nginx_binary()
    if found is None:
        message = (
            "nginx is not installed (scripts/test installs Debian's nginx-light as root): the "
            "compose services behind the real proxy were NOT run"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    nginx = _nginx()
    folder = tmp_path_factory.mktemp("compose")
    # What an operator puts in .env: the administrator token, to make the first accounts; one
    # API worker (uvicorn gives a spawned worker 5 s to answer its supervisor's first ping, which
    # a shared 2-core machine under a parallel test run does not always meet).
    compose = load({"GATE_ADMIN_TOKEN": ADMIN_TOKEN, "GATE_API_WORKERS": "1"})
    postgres, redis = OwnPostgres(), OwnRedis()
    try:
        postgres.start()
        as_the_image_does(postgres, compose["services"]["postgres"]["environment"])

        local = LocalCompose(compose, folder, own_endpoints(postgres, redis))
        try:
            local.run_once("migrate")
            local.start("api")
            checkin = [local.start("checkin") for _ in range(2)]
            realtime = [local.start("realtime") for _ in range(2)]
            _, port = start_proxy(local, nginx)
            yield Deployment(local, f"http://127.0.0.1:{port}", checkin, realtime)
        finally:
            local.stop_all()
            for replica in local.replicas:
                print(f"== {replica.output.name}\n{replica.output.read_text()[-3000:]}")
    finally:
        redis.remove()
        postgres.remove()


async def _waiting(viewer: Viewer, count: int) -> bool:
    state = viewer.follower.state
    return state is not None and state["directions"][0]["waiting_total"] == count


async def _check_in(client: httpx.AsyncClient, camera: dict[str, str], body: dict[str, Any]):
    """A camera's check-in as a device sends it: again with the same event_id until answered."""
    for _ in range(20):
        try:
            answer = await client.post(CHECKINS, json=body, headers=camera)
        except httpx.TransportError:
            await asyncio.sleep(0.2)
            continue
        if answer.status_code == 200:
            return answer
        assert answer.status_code in (502, 503, 504), answer.text
        await asyncio.sleep(0.2)
    pytest.fail(f"check-in {body['event_id']} never answered")


async def test_through_the_proxy_check_ins_reach_viewers_on_both_replicas_and_survive_stops(
    deployment: Deployment,
):
    boards = [r.ports[8001] for r in deployment.realtime]
    async with httpx.AsyncClient(base_url=deployment.base, timeout=30) as client:
        api = Api(client)
        await open_all_day(api)
        enterprise = await api.enterprise()
        camera = await device(api)
        plates = [(await enterprise.book(this_hour())).json()["plate"] for _ in range(24)]

        # Viewers through the proxy land on both realtime replicas' boards servers.
        viewers = [Viewer(deployment.base.replace("http", "ws") + BOARD) for _ in range(4)]
        for viewer in viewers:
            await eventually(lambda viewer=viewer: _waiting(viewer, 0), within=30)
        assert all(established(port) >= 1 for port in boards), [established(p) for p in boards]

        # A check-in through the proxy reaches every one of them.
        first = await _check_in(client, camera, read(plates[0]))
        assert first.json()["outcome"] == "on_time"
        for viewer in viewers:
            await eventually(lambda viewer=viewer: _waiting(viewer, 1), within=15)

        # A checkin replica stops (SIGTERM, as `docker compose stop`) amid a stream of
        # check-ins: every one acknowledged is kept, and the others are answered by the other.
        acknowledged: dict[str, bytes] = {}
        events = [read(plate, event_id=f"evt-{secrets.token_hex(6)}") for plate in plates[1:17]]

        async def stream() -> None:
            for body in events:
                answer = await _check_in(client, camera, body)
                acknowledged[body["event_id"]] = answer.content

        sending = asyncio.create_task(stream())
        await eventually(lambda: _at_least(acknowledged, 4), within=60)
        # The proxy sends one gate's check-ins to one replica (hashed by its code), which holds
        # the gate's lease. A check-in that reaches the other anyway (sent to it here) is
        # forwarded to the holder at the address GATE_PIPELINE_HOST=auto gave: no take-over.
        for replica in deployment.checkin:
            direct = f"http://127.0.0.1:{replica.ports[8000]}{CHECKINS}"
            body = read(plates[-1 - deployment.checkin.index(replica)])
            answer = await client.post(direct, json=body, headers=camera)
            assert answer.status_code == 200, answer.text
        for replica in deployment.checkin:
            assert "pipeline_taken_over" not in replica.output.read_text()
        await asyncio.to_thread(deployment.checkin[0].stop)
        await sending
        assert len(acknowledged) == len(events)
        for body in events:
            again = await client.post(CHECKINS, json=body, headers=camera)
            assert again.status_code == 200, again.text
            assert again.headers.get(REPLAYED) == "true", body["event_id"]
            assert again.content == acknowledged[body["event_id"]]
        total = 1 + len(events) + len(deployment.checkin)
        for viewer in viewers:
            await eventually(lambda viewer=viewer: _waiting(viewer, total), within=15)

        # A realtime replica stops: its viewers reconnect through the proxy (to the other)
        # and catch up with what they missed meanwhile.
        before = [len(v.follower.messages) for v in viewers]
        await asyncio.to_thread(deployment.realtime[0].stop)
        for plate in plates[17:20]:
            assert (await _check_in(client, camera, read(plate))).status_code == 200
        total += 3
        for viewer in viewers:
            await eventually(lambda viewer=viewer: _waiting(viewer, total), within=30)
        assert established(boards[1]) >= len(viewers)  # every viewer on the replica left
        assert all(len(v.follower.messages) > n for v, n in zip(viewers, before, strict=True))
    for viewer in viewers:
        await viewer.close()


async def _at_least(acknowledged: dict[str, bytes], count: int) -> bool:
    return len(acknowledged) >= count


async def test_the_proxy_micro_caches_the_public_board_and_keeps_it_from_credentials(
    deployment: Deployment,
):
    board = "/api/v1/gates/tan-thanh/board"
    async with httpx.AsyncClient(base_url=deployment.base, timeout=30) as client:
        statuses = [(await client.get(board)).headers.get("x-cache") for _ in range(5)]
        assert "HIT" in statuses, statuses
        gates = [(await client.get("/api/v1/gates")).headers.get("x-cache") for _ in range(3)]
        assert "HIT" in gates, gates
        asked = await client.get(board, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert asked.headers.get("x-cache") == "BYPASS"
        assert asked.headers["cache-control"] == "no-store"
        # /metrics is never public through the proxy.
        assert (await client.get("/metrics")).status_code == 404


async def test_the_first_viewer_after_a_quiet_spell_gets_no_copy_older_than_cache_control_allows(
    deployment: Deployment,
):
    """nginx may serve a stale copy while it refreshes it, but only within the platform's
    ``stale-while-revalidate``: the first viewer after a quiet spell reads the schedule as it
    is now, not the copy the last viewer left in the micro-cache (seen in a new engineer's
    trial: 15 s after a change, the board behind the proxy still showed the old one)."""
    available = "/api/v1/gates/chi-ma/availability?direction=import&hours=24"
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with httpx.AsyncClient(base_url=deployment.base, timeout=30) as client:
        before = await client.get(available)  # the copy a quiet spell leaves in the cache
        assert before.status_code == 200, before.text
        changed = await client.put(
            "/api/v1/gates/chi-ma/schedules/import",
            json={"hourly_capacity": 3, "opens_at": 0, "closes_at": 24},
            headers=admin,
        )
        assert changed.status_code == 200, changed.text
        control = dict(
            part.strip().split("=") for part in before.headers["cache-control"].split(",")[1:]
        )
        # Not a race being waited out: the copy must be older than max-age plus
        # stale-while-revalidate, the span in which serving it is allowed, plus the one second
        # nginx's cache clock may add: it keeps a copy's expiry in whole seconds (the copy made
        # at 22.1 s with max-age=1 is fresh through 23.99 s and may be served stale through
        # 25.99 s; seen in CI, where 3.5 s after the change the copy still came back STALE).
        allowed = int(control["max-age"]) + int(control["stale-while-revalidate"]) + 1
        await asyncio.sleep(allowed + 0.5)
        after = await client.get(available)
        capacities = {slot["capacity"] for slot in after.json()["slots"]}
        assert capacities == {3}, (after.headers.get("x-cache"), capacities)


def test_without_a_secret_key_set_every_process_keeps_the_one_in_the_shared_volume(
    deployment: Deployment,
):
    """compose.yaml passes GATE_SECRET_KEY empty unless the operator sets it: every process
    then signs with the key the first one made in the `gatedata` volume (all of them one key,
    or a page's form from one API replica would be refused by another)."""
    kept = deployment.local.folder / "volumes" / "gatedata" / "secret-key"
    assert kept.stat().st_mode & 0o777 == 0o600
    assert len(kept.read_text().strip()) >= 40
    assert [p.name for p in kept.parent.iterdir() if p.name.startswith(".")] == []
