"""What crowds poll (a gate's board, its free places, the list of gates) answers with an ETag
and a short public Cache-Control; a poller that sends the ETag back hears 304, without a
query where the version is known without one, until a booking or a check-in changes what it
reads; answers with a credential, and personal routes, carry neither
(services/common/caching.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.helpers import Api, device, open_all_day, read, this_hour, tomorrow_at
from tests.live import eventually

GATE = "/api/v1/gates/tan-thanh"
POLLED = "public, max-age=1, stale-while-revalidate=2"


@contextmanager
def statements_of_this_task() -> Iterator[list[str]]:
    """The SQL statements run on behalf of the task that entered (the in-process client runs
    a request in the caller's task), not the projector's or another background task's."""
    me = asyncio.current_task()
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        try:
            if asyncio.current_task() is me:
                seen.append(statement)
        except RuntimeError:  # a thread with no event loop: not ours
            pass

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)


async def _tagged(api: Api, path: str) -> httpx.Response:
    """The first answer of ``path`` that carries an ETag (the board's comes once this
    process's hub holds the projector's board)."""
    answers: list[httpx.Response] = []

    async def tagged() -> bool:
        answers.append(await api.client.get(path))
        assert answers[-1].status_code == 200, answers[-1].text
        return "etag" in answers[-1].headers

    await eventually(tagged, within=15)
    return answers[-1]


async def _changes(api: Api, path: str, etag: str) -> httpx.Response:
    """The first answer to a poll with ``etag`` that is not 304."""
    answers: list[httpx.Response] = []

    async def changed() -> bool:
        answers.append(await api.client.get(path, headers={"if-none-match": etag}))
        return answers[-1].status_code != 304

    await eventually(changed, within=15)
    return answers[-1]


async def _settled(api: Api, path: str) -> httpx.Response:
    """The answer whose ETag a poll then sends back and hears 304, with no body and no
    query; a board still moving meanwhile (the projector publishes what the last events did)
    gives a newer answer to settle."""
    current = await _tagged(api, path)

    async def confirmed() -> bool:
        nonlocal current
        with statements_of_this_task() as statements:
            again = await api.client.get(path, headers={"if-none-match": current.headers["etag"]})
        if again.status_code == 200 and again.headers.get("etag") != current.headers["etag"]:
            current = again
            return False
        assert again.status_code == 304, again.text
        assert again.content == b""
        assert again.headers["etag"] == current.headers["etag"]
        assert again.headers["cache-control"] == POLLED
        assert statements == []
        return True

    await eventually(confirmed, within=15)
    return current


async def test_the_board_is_not_modified_until_a_check_in_changes_it(api: Api):
    await open_all_day(api)
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour())).json()
    camera = await device(api)
    first = await _settled(api, f"{GATE}/board")
    assert first.headers["cache-control"] == POLLED
    assert first.headers["etag"].startswith('W/"')
    # A list of tags, one of them ours, and the weak comparison: 304 as well.
    listed = f'"other", {first.headers["etag"].removeprefix("W/")}'
    assert (
        await api.client.get(f"{GATE}/board", headers={"if-none-match": listed})
    ).status_code == 304

    checked = await api.client.post(f"{GATE}/checkins", json=read(booking["plate"]), headers=camera)
    assert checked.status_code == 200, checked.text
    changed = await _changes(api, f"{GATE}/board", first.headers["etag"])
    assert changed.status_code == 200
    assert changed.headers["etag"] != first.headers["etag"]
    assert sum(d["waiting_total"] for d in changed.json()["directions"]) == 1


async def test_free_places_are_not_modified_until_a_booking_takes_one(api: Api):
    await open_all_day(api)
    path = f"{GATE}/availability?direction=export&hours=48"
    first = await _settled(api, path)
    assert first.headers["cache-control"] == POLLED

    enterprise = await api.enterprise()
    booked = await enterprise.book(tomorrow_at(9))
    assert booked.status_code == 201, booked.text
    changed = await _changes(api, path, first.headers["etag"])
    assert changed.status_code == 200
    assert changed.headers["etag"] != first.headers["etag"]
    slot = datetime.fromisoformat(booked.json()["slot_start"])

    def remaining(answer: httpx.Response) -> int:
        hours = answer.json()["slots"]
        return next(h["remaining"] for h in hours if datetime.fromisoformat(h["starts_at"]) == slot)

    assert remaining(changed) == remaining(first) - 1


async def test_the_list_of_gates_is_tagged_by_its_content(api: Api):
    first = await api.client.get("/api/v1/gates")
    assert first.headers["cache-control"] == POLLED
    again = await api.client.get("/api/v1/gates", headers={"if-none-match": first.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")


async def test_answers_with_a_credential_and_personal_routes_carry_no_validator(api: Api):
    enterprise = await api.enterprise()
    booked = await enterprise.book(tomorrow_at(9))
    assert booked.status_code == 201, booked.text
    await _tagged(api, f"{GATE}/board")
    answers = [
        # A public route asked with a credential: never kept, no ETag.
        await api.client.get(f"{GATE}/board", headers=enterprise.headers),
        await api.client.get(f"{GATE}/availability", headers=enterprise.headers),
        await api.client.get("/api/v1/gates", headers=enterprise.headers),
        await api.client.get(f"/api/v1/bookings/{booked.json()['id']}", headers=enterprise.headers),
        await api.client.get("/api/v1/vehicles", headers=enterprise.headers),
        # The pages carry a form token bound to their visitor.
        await api.client.get("/board/tan-thanh"),
        await api.client.get("/"),
    ]
    for answer in answers:
        assert answer.status_code == 200, (answer.url, answer.text)
        assert answer.headers["cache-control"] == "no-store", answer.url
        assert "etag" not in answer.headers, answer.url
