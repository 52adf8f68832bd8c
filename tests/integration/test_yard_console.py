"""The waiting yard's console, through its pages with a signed-in session and CSRF: a yard
enterprise's staff land on their yard, see its occupancy against its capacity and its trucks
(plate, walk-in or booking, class, entered at, status, dispatch order and deadline), check
trucks in and out by hand; the trucks gone on the road under an order are listed apart. A
carrier's user is refused there, and a yard's staff on the carrier's portal, with a page
that leads each to their own pages."""

from __future__ import annotations

import re

from services.common.session import SESSION_COOKIE
from tests.helpers import Api, admin, browser, enterprise_user, officer, page_csrf
from tests.yards import yard, yard_enterprise

PASSWORD = "một-mật-khẩu-dài"


def _row(html: str, plate: str) -> str:
    found = re.search(
        rf'<tr data-visit="[^"]+" data-status="[^"]+">(?:(?!</tr>).)*{re.escape(plate)}.*?</tr>',
        html,
        re.S,
    )
    assert found is not None, plate
    return found.group(0)


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


async def test_yard_staff_sign_in_onto_their_yard_and_check_trucks_in_and_out_by_hand(api: Api):
    owner = await yard_enterprise(api)
    code = await yard(api, owner, capacity=7)
    user = {"email": "bai.1@benbai.vn", "full_name": "Nhân viên bãi", "password": PASSWORD}
    created = await api.client.post(
        f"/api/v1/enterprises/{owner.id}/users", json=user, headers=admin()
    )
    assert created.status_code == 201, created.text

    # Signed in without a destination: to their own pages, the one yard they run.
    api.client.cookies.clear()
    sign_in = await api.client.get("/sign-in")
    login = {"email": user["email"], "password": PASSWORD, "next": ""}
    signed_in = await api.client.post("/sign-in", data=login, headers=page_csrf(sign_in.text))
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/home"
    assert (await api.client.get("/home")).headers["location"] == "/yards"
    assert (await api.client.get("/yards/")).headers["location"] == f"/yards/{code}"
    page = await api.client.get(f"/yards/{code}")
    assert page.status_code == 200, page.text
    assert "data-occupancy>0<" in page.text and "data-capacity>7<" in page.text
    csrf = page_csrf(page.text)

    walk_in = {"plate": "12C-551.01", "trailer_plate": "12R-000.11", "direction": "export"}
    posted = await api.client.post(f"/yards/{code}/visits", data=walk_in, headers=csrf)
    assert posted.status_code == 303 and "error" not in posted.headers["location"]
    second = {"plate": "12C-551.02", "direction": "import", "gate": "tan-thanh"}
    posted = await api.client.post(f"/yards/{code}/visits", data=second, headers=csrf)
    assert posted.status_code == 303 and "error" not in posted.headers["location"]
    again = await api.client.post(f"/yards/{code}/visits", data=walk_in, headers=csrf)
    # Already in the yard: said on the page drawn again with the plate as typed (issue 16),
    # not stored twice.
    assert again.status_code == 409 and "location" not in again.headers, again.text
    assert f'value="{walk_in["plate"]}"' in again.text and 'class="flash error"' in again.text

    html = (await api.client.get(f"/yards/{code}")).text
    assert "data-occupancy>2<" in html
    row = _row(_section(html, "trucks-in-yard"), "12C-551.01")
    assert "12R-000.11" in row and "Vãng lai" in row and "Đang chờ" in row
    assert 'data-status="waiting"' in row

    # An operator of the gate dispatches it: the yard sees the order and its deadline.
    visit_id = re.search(r'data-visit="([^"]+)"', row)
    assert visit_id is not None
    operator = await officer(api, "gate_operator")
    order = await api.client.post(
        "/api/v1/gates/tan-thanh/dispatch-orders",
        json={"visit_id": visit_id.group(1)},
        headers=operator,
    )
    assert order.status_code == 201, order.text
    order_code = order.json()["code"]
    html = (await api.client.get(f"/yards/{code}?partial=1")).text
    assert "<html" not in html  # the part the page refreshes, not a whole page
    row = _row(_section(html, "trucks-in-yard"), "12C-551.01")
    assert order_code in row and 'data-status="dispatched"' in row
    assert re.search(r"<td[^>]*>\d\d:\d\d</td>", row.split(order_code, 1)[1])

    # Out it goes under its order: on the road, no longer in the yard; the other leaves.
    out = await api.client.post(f"/yards/{code}/visits/{visit_id.group(1)}/exit", headers=csrf)
    assert out.status_code == 303 and "error" not in out.headers["location"]
    html = (await api.client.get(f"/yards/{code}")).text
    assert "data-occupancy>1<" in html
    assert "12C-551.01" not in _section(html, "trucks-in-yard")
    assert order_code in _row(_section(html, "orders-on-road"), "12C-551.01")
    other = re.search(r'data-visit="([^"]+)"', _row(_section(html, "trucks-in-yard"), "12C-551.02"))
    assert other is not None
    out = await api.client.post(f"/yards/{code}/visits/{other.group(1)}/exit", headers=csrf)
    assert out.status_code == 303 and "error" not in out.headers["location"]
    # The exit form sent twice: the second is said on the page (303), not a raw error.
    twice = await api.client.post(f"/yards/{code}/visits/{other.group(1)}/exit", headers=csrf)
    assert twice.status_code == 303 and "error=" in twice.headers["location"]
    assert "data-occupancy>0<" in (await api.client.get(f"/yards/{code}")).text

    # The visits went through the yards' use cases: the API lists what the page showed.
    listed = await api.client.get(f"/api/v1/yards/{code}/visits", headers=admin())
    assert [v["status"] for v in listed.json()] == []


async def test_the_wrong_kind_of_person_is_refused_with_a_page_leading_to_their_own(api: Api):
    owner = await yard_enterprise(api)
    code = await yard(api, owner)
    carrier = await api.enterprise()
    await browser(api, await enterprise_user(api, carrier))
    as_browser = {"accept": "text/html"}
    refused = await api.client.get(f"/yards/{code}", headers=as_browser)
    assert refused.status_code == 403
    assert 'href="/home"' in refused.text and "text/html" in refused.headers["content-type"]
    assert (await api.client.get("/home")).headers["location"] == "/portal"
    assert (await api.client.get(f"/yards/{code}")).status_code == 403  # an API client: JSON
    form = {"plate": "12C-551.03", "direction": "export"}
    csrf = page_csrf((await api.client.get("/portal")).text)
    posted = await api.client.post(f"/yards/{code}/visits", data=form, headers=csrf)
    assert posted.status_code == 403

    api.client.cookies.clear()
    staff = await enterprise_user(api, owner)
    api.client.cookies.set(SESSION_COOKIE, staff)
    portal = await api.client.get("/portal/", headers=as_browser)
    assert portal.status_code == 403 and 'href="/home"' in portal.text
    assert (await api.client.get("/home")).headers["location"] == "/yards"


async def test_officers_of_a_gate_the_yard_serves_read_its_trucks_without_the_forms(api: Api):
    owner = await yard_enterprise(api)
    code = await yard(api, owner)
    token = (await officer(api, "customs"))["Authorization"].removeprefix("Bearer ")
    api.client.cookies.set(SESSION_COOKIE, token)
    page = await api.client.get(f"/yards/{code}")
    assert page.status_code == 200
    assert 'id="trucks-in-yard"' in page.text and 'id="yard-checkin-form"' not in page.text
    elsewhere = (await officer(api, "customs", gates=("huu-nghi",)))["Authorization"]
    api.client.cookies.set(SESSION_COOKIE, elsewhere.removeprefix("Bearer "))
    assert (await api.client.get(f"/yards/{code}")).status_code == 403
