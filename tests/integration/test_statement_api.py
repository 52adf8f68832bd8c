"""Monthly agreements and statements on the API (issue 19): the administrator makes and ends
agreements, which never overlap nor start in the past; the enterprise reads its own and no
other's; a month's statements issued once, after the month; a statement read, printed and
paid by a transfer the administrator records, once per transaction."""

from __future__ import annotations

from datetime import timedelta

from gate.config import Settings
from gate.domain.statements import month_of, previous_month
from gate.domain.time import as_local, utc_now
from tests.fees import make_schedule
from tests.helpers import Api, admin, bearer
from tests.statements import agreement_as_of, before_month, book_made_at, day_at

LAST_MONTH = previous_month(month_of(utc_now()))


async def test_agreements_are_the_administrators_and_each_enterprise_reads_its_own(
    api: Api,
) -> None:
    a, b = await api.enterprise(), await api.enterprise()
    today = as_local(utc_now()).date()
    path = f"/api/v1/enterprises/{a.id}/statement-agreements"

    def days(first: int, last: int | None = None) -> dict[str, str | None]:
        until = (today + timedelta(days=last)).isoformat() if last is not None else None
        return {
            "valid_from": (today + timedelta(days=first)).isoformat(),
            "valid_until": until,
            "reference": "HĐ 07/2026/LS",
        }

    key = {"Idempotency-Key": "agreement-1"}
    made = await api.client.post(path, json=days(1, 30), headers=admin() | key)
    again = await api.client.post(path, json=days(1, 30), headers=admin() | key)
    assert made.status_code == 201, made.text
    assert again.json()["id"] == made.json()["id"]
    assert made.json()["valid_until"] == (today + timedelta(days=30)).isoformat()

    refusals = [
        (await api.client.post(path, json=days(10), headers=admin())).status_code,
        (await api.client.post(path, json=days(-1, 0), headers=admin())).status_code,
        (await api.client.post(path, json=days(40, 39), headers=admin())).status_code,
        (await api.client.post(path, json=days(40), headers=a.headers)).status_code,
        (
            await api.client.post(
                "/api/v1/enterprises/no-such/statement-agreements", json=days(40), headers=admin()
            )
        ).status_code,
    ]
    assert refusals == [409, 422, 422, 403, 404]

    own = await api.client.get(path, headers=a.headers)
    assert own.status_code == 200 and [x["id"] for x in own.json()] == [made.json()["id"]]
    assert (await api.client.get(path, headers=b.headers)).status_code == 403

    end = f"/api/v1/statement-agreements/{made.json()['id']}/end"
    ended = await api.client.post(end, headers=admin())
    assert ended.status_code == 200 and ended.json()["ended_at"] is not None
    twice = await api.client.post(end, headers=admin())
    assert twice.json()["ended_at"] == ended.json()["ended_at"]
    assert (await api.client.post(end, headers=a.headers)).status_code == 403
    # Ended today: the days after today are free for a new agreement.
    later = await api.client.post(path, json=days(1), headers=admin())
    assert later.status_code == 201, later.text


async def test_a_statement_is_issued_once_read_printed_and_paid_by_a_transfer(
    api: Api, settings: Settings
) -> None:
    since = before_month(LAST_MONTH, 40)
    await make_schedule(settings, effective_from=since, now=since)
    a, b = await api.enterprise(), await api.enterprise()
    await agreement_as_of(settings, a.id, as_local(since).date(), since)
    for day in (2, 12):
        slot = day_at(LAST_MONTH, day, 9)
        await book_made_at(settings, a, slot, slot.replace(hour=0))

    month = {"month": LAST_MONTH.strftime("%Y-%m")}
    issued = await api.client.post("/api/v1/statements/issue", json=month, headers=admin())
    assert issued.status_code == 200, issued.text
    [statement] = issued.json()
    again = await api.client.post("/api/v1/statements/issue", json=month, headers=admin())
    assert again.status_code == 200 and again.json() == []
    this_month = {"month": month_of(utc_now()).strftime("%Y-%m")}
    early = await api.client.post("/api/v1/statements/issue", json=this_month, headers=admin())
    assert early.status_code == 422
    number = statement["number"]
    assert (statement["fee_count"], statement["total_vnd"]) == (2, 4_000_000)

    read = await api.client.get(f"/api/v1/statements/{number}", headers=a.headers)
    assert read.status_code == 200, read.text
    assert [line["amount_vnd"] for line in read.json()["lines"]] == [2_000_000, 2_000_000]
    assert (
        await api.client.get(f"/api/v1/statements/{number}", headers=b.headers)
    ).status_code == 404

    printed = await api.client.get(f"/statements/{number}", headers=admin())
    assert printed.status_code == 200 and "text/html" in printed.headers["content-type"]
    assert number in printed.text and printed.text.count("TT") >= 2
    assert (await api.client.get(f"/statements/{number}", headers=b.headers)).status_code == 404
    assert (await api.client.get(f"/statements/{number}")).status_code == 401

    transfer = {"transaction_id": "VCB-2026-000123", "amount_vnd": 4_000_000}
    path = f"/api/v1/statements/{number}/transfers"
    # A time paid far from now is refused, as a provider's is: the statistics count the money
    # on its day, and nothing is recorded.
    for odd in ("2099-06-01T00:00:00+00:00", "1990-01-01T00:00:00+00:00"):
        refused = await api.client.post(
            path, json={**transfer, "transaction_id": "VCB-odd", "paid_at": odd}, headers=admin()
        )
        assert refused.status_code == 422, refused.text
    paid = await api.client.post(path, json=transfer, headers=admin())
    assert paid.status_code == 200, paid.text
    assert (paid.json()["status"], paid.json()["paid_amount_vnd"]) == ("paid", 4_000_000)
    repeated = await api.client.post(path, json=transfer, headers=admin())
    assert repeated.json()["paid_amount_vnd"] == 4_000_000
    assert (await api.client.post(path, json=transfer, headers=a.headers)).status_code == 403

    listed = await api.client.get(f"/api/v1/enterprises/{a.id}/statements", headers=a.headers)
    assert [(s["number"], s["status"]) for s in listed.json()] == [(number, "paid")]
    assert (
        await api.client.get(f"/api/v1/enterprises/{a.id}/statements", headers=bearer(b.token))
    ).status_code == 403
