"""Bad input of every kind to every route and every page form answers 4xx, never 5xx, and
stores nothing (issue 11, point 4). The API's routes are read from the OpenAPI document and
the pages' forms from the app's routes, so routes added later are swept too:

* nested JSON (deeper than any body, up to what 64 KiB can hold, closed or not);
* oversized text (past every length a field allows, up to the body limit);
* text holding a character no input may hold (gate/domain/text.py: NUL, C0 and C1 controls
  other than tab and line breaks, DEL);
* values of the wrong JSON type, in bodies and query values.

Each example spoils one place (a body field, a query or path value, a header the route
declares) of a request that is otherwise as valid as the schema can make it, sent as the
caller the route serves. Derandomised: the same examples on every run."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.routes import HTTPRoute
from sqlalchemy import text

from gate.config import Settings
from gate.store.tables.base import Base
from gate.store.unit_of_work import UnitOfWork
from services.app import create_app
from services.common.requests import body_kind
from tests.helpers import Api, admin, browser, device, enterprise_user, officer, tomorrow_at
from tests.openapi import AnyName, Example, Pointer, kind_of, with_value

SWEEP = settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
REFUSED = [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if chr(c) not in "\t\n\r"]
TEMPLATES = Path(__file__).resolve().parents[2] / "frontend" / "templates"

controlled = st.builds(
    lambda before, control, after: before + control + after,
    st.text(max_size=8),
    st.sampled_from(REFUSED),
    st.text(max_size=8),
)
oversized = st.builds(lambda n, c: c * n, st.integers(501, 70_000), st.sampled_from("x9ệ桂"))
# Headers travel as ASCII (httpx refuses anything else), so their spoils are C0 controls and DEL.
controlled_ascii = st.builds(
    lambda before, control, after: before + control + after,
    st.text("abc-_09", max_size=8),
    st.sampled_from([c for c in REFUSED if c < "\x80"]),
    st.text("abc-_09", max_size=8),
)
nested = st.builds(
    lambda depth, opener, closed: (
        (opener * depth).encode()
        + ((("]" if opener == "[" else "}") * depth).encode() if closed else b"")
    ),
    st.integers(17, 30_000),
    st.sampled_from(["[", '{"a":']),
    st.booleans(),
)
WRONG: dict[str, list[Any]] = {
    "string": [1, 1.5, True, [], {}],
    "enum": [1, False, [], {}],
    "time": [0, True, [], {}],
    "integer": ["x", 1.5, [], {}, 10**20],
    "number": ["x", [], {}, False],
    "boolean": ["yes", 2, [], {}],
    "array": ["x", 1, {}],
    "object": ["x", 1, []],
}


async def stored(uow: UnitOfWork) -> dict[str, int]:
    """Rows in every table, in one round trip."""
    await uow.session.rollback()
    tables = sorted(Base.metadata.tables)
    query = " UNION ALL ".join(
        f"SELECT '{name}' AS t, COUNT(*) AS n FROM {name}" for name in tables
    )
    return {name: count for name, count in await uow.session.execute(text(query))}


@dataclass
class Route:
    """One API operation: where it takes input, a body that passes its schema, its caller."""

    method: str
    template: str
    path: dict[str, str]
    query: list[tuple[str, str]]
    headers: list[str]
    body: Any
    places: list[tuple[Pointer, str]]
    caller: dict[str, str] = field(default_factory=dict)

    def url(self, path: dict[str, str]) -> str:
        return self.template.format_map(AnyName({k: quote(v, safe="") for k, v in path.items()}))

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


def _routes(document: dict[str, Any], known: dict[str, Any], paths: dict[str, str]) -> list[Route]:
    found = []
    for template, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            example = Example(document, known, tomorrow_at(9).isoformat())
            body = example.of(content["schema"]) if content else None
            parameters = operation.get("parameters", [])
            found.append(
                Route(
                    method.upper(),
                    template,
                    {p["name"]: paths.get(p["name"], "x") for p in parameters if p["in"] == "path"},
                    [
                        (p["name"], kind_of(p["schema"], document))
                        for p in parameters
                        if p["in"] == "query"
                    ],
                    [p["name"] for p in parameters if p["in"] == "header"],
                    body,
                    example.places if content else [],
                )
            )
    # Deletions last, so that what one ends (a session) does not end a caller of the others.
    return sorted(found, key=lambda r: r.method == "DELETE")


def _takes_input(route: Route) -> bool:
    return bool(route.path or route.query or route.headers or route.body is not None)


@pytest.fixture
async def routes(api: Api) -> list[Route]:
    enterprise = await api.enterprise()
    vehicle, driver = await enterprise.vehicle(), await enterprise.driver()
    booked = await enterprise.book(tomorrow_at(9))
    assert booked.status_code == 201, booked.text
    callers = [enterprise.headers, await device(api), await officer(api, "gate_operator"), admin()]
    document = (await api.client.get("/schema/openapi.json")).json()
    known = {
        "gate": "tan-thanh",
        "direction": "export",
        "vehicle_id": vehicle["id"],
        "driver_id": driver["id"],
        "version": 1,
    }
    paths = {
        "code": "tan-thanh",
        "booking_id": booked.json()["id"],
        "direction": "export",
        "enterprise_id": enterprise.id,
    }
    found = _routes(document, known, paths)
    for route in found:
        # The first caller the route lets in; a route that takes nothing is not probed (its
        # probe would act: sign-out ends the caller's session).
        route.caller = callers[-1]
        if not _takes_input(route):
            continue
        for caller in callers:
            answer = await api.client.request(
                route.method, route.url(route.path), json=route.body, headers=caller
            )
            if answer.status_code not in (401, 403):
                route.caller = caller
                break
    names = {str(r) for r in found}
    for expected in ("POST /api/v1/bookings", "POST /api/v1/gates/{code}/checkins/batch"):
        assert expected in names, sorted(names)
    return found


@st.composite
def spoiled_requests(draw: st.DrawFn, routes: list[Route]) -> tuple[Route, dict[str, Any]]:
    """A route and its request with one place spoiled (keyword arguments of httpx's
    ``request``)."""
    route = draw(st.sampled_from(routes), label="route")
    path, params, headers = dict(route.path), {}, dict(route.caller)
    body: Any = route.body
    where = ["query"]  # an undeclared query value is read by nobody, and checked all the same
    where += ["path"] * bool(route.path) + ["header"] * bool(route.headers)
    where += ["declared query"] * bool(route.query) + ["body"] * (route.body is not None)
    where += ["nested"] * (route.body is not None)
    place = draw(st.sampled_from(where), label="where")
    if place == "nested":
        return route, {
            "content": draw(nested),
            "headers": {**headers, "Content-Type": "application/json"},
        }
    if place == "query":
        params["note"] = draw(controlled)
    elif place == "path":
        name = draw(st.sampled_from(sorted(path)))
        path[name] = draw(controlled | oversized.map(lambda t: t[:4000]))
    elif place == "header":
        headers[draw(st.sampled_from(route.headers))] = draw(controlled_ascii)
    elif place == "declared query":
        name, kind = draw(st.sampled_from(route.query))
        wrong = st.sampled_from([str(w) for w in WRONG.get(kind, ["x"])])
        params[name] = draw(controlled | oversized.map(lambda t: t[:4000]) | wrong)
    else:
        pointer, kind = draw(st.sampled_from(route.places))
        spoil = st.sampled_from(WRONG.get(kind, [1]))
        if kind in ("string", "enum", "time"):
            spoil = spoil | controlled | oversized
        body = with_value(body, pointer, draw(spoil, label=f"{kind} at {pointer}"))
    return route, {"params": params, "json": body, "headers": headers, "url": route.url(path)}


@SWEEP
@given(data=st.data())
async def test_no_bad_input_to_any_api_route_fails_or_stores_anything(
    api: Api, uow: UnitOfWork, routes: list[Route], data: st.DataObject
) -> None:
    before = await stored(uow)
    route, request = data.draw(spoiled_requests([r for r in routes if _takes_input(r)]))
    url = request.pop("url", route.url(route.path))
    answer = await api.client.request(route.method, url, **request)
    event(f"{answer.status_code} {route}")
    assert answer.status_code < 500, (str(route), request.get("params"), answer.text)
    # A read may answer a string query value that is "1" or "[]"; a write takes no bad input.
    if route.method != "GET" or answer.status_code >= 400:
        assert 400 <= answer.status_code < 500, (str(route), request, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert await stored(uow) == before, str(route)


# The pages' forms: every route of the pages that reads a form, found in the app.


FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _form_routes(app: Litestar) -> list[tuple[str, list[str]]]:
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(("/api/", "/problems")):
            continue
        for handler in route.route_handlers:
            if "POST" in handler.http_methods and body_kind(handler) in FORMS:
                found.append((route.path, sorted(route.path_parameters)))
    return found


_FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\sname="([a-z_]+)"')


def _form_fields() -> list[str]:
    """Every field name a page's form sends (the templates' ``name="…"``)."""
    names = set()
    for template in TEMPLATES.rglob("*.html"):
        names.update(
            re.findall(r'<(?:input|select|textarea)[^>]*\sname="([a-z_]+)"', template.read_text())
        )
    return sorted(names)


@dataclass
class Pages:
    forms: list[tuple[str, list[str]]]
    fields: list[str]
    portal: str
    console: str
    csrf: dict[str, str]
    values: dict[str, str]


@pytest.fixture
async def pages(api: Api, settings: Settings) -> Pages:
    enterprise = await api.enterprise()
    booked = await enterprise.book(tomorrow_at(9))
    assert booked.status_code == 201, booked.text
    portal = await enterprise_user(api, enterprise)
    console = (await officer(api, "gate_operator"))["Authorization"].split()[1]
    csrf = await browser(api, portal)
    forms = _form_routes(create_app(settings))  # the routes only: it is never started
    for expected in ("/portal/bookings/{booking_id:str}/cancel", "/console/{code:str}/notices"):
        assert expected in [path for path, _ in forms], forms
    values = {"code": "tan-thanh", "booking_id": booked.json()["id"], "lane": "x"}
    return Pages(forms, _form_fields(), portal, console, csrf, values)


@st.composite
def spoiled_forms(draw: st.DrawFn, pages: Pages) -> tuple[str, str, dict[str, Any]]:
    """A page's form with every field spoiled (so the form is bad whichever fields its route
    reads), or sent as JSON, or a path value spoiled."""
    path, names = draw(st.sampled_from(pages.forms), label="form")
    values = {name: pages.values.get(name, "x") for name in names}
    kind = draw(st.sampled_from(["fields", "json", "path"] if names else ["fields", "json"]))
    if kind == "path":
        values[draw(st.sampled_from(names))] = draw(controlled)
    url = path
    for name in names:
        url = url.replace(f"{{{name}:str}}", quote(values[name], safe=""))
    session = pages.console if path.startswith("/console") else pages.portal
    if kind == "json":
        return (
            url,
            session,
            {
                "content": draw(nested),
                "headers": {**pages.csrf, "Content-Type": "application/json"},
            },
        )
    # Every field holding a refused character (the request hook's refusal), or every field
    # past every text limit (500; the API's input type's refusal) within the 64 KiB limit.
    budget = max(501, 60_000 // len(pages.fields))
    oversized_ascii = st.integers(501, budget).map(lambda n: "x" * n)
    bad = draw(st.sampled_from([controlled, oversized_ascii]), label="spoil")
    form = {name: draw(bad, label=name) for name in pages.fields}
    return url, session, {"data": form, "headers": pages.csrf}


@SWEEP
@given(data=st.data())
async def test_no_bad_form_to_any_page_fails_or_stores_anything(
    api: Api, uow: UnitOfWork, pages: Pages, data: st.DataObject
) -> None:
    before = await stored(uow)
    url, session, request = data.draw(spoiled_forms(pages))
    api.client.cookies.set("gate_session", session)
    answer = await api.client.post(url, **request)
    event(f"{answer.status_code} {url.split('?')[0][:40]}")
    assert answer.status_code < 500, (url, answer.text)
    assert await stored(uow) == before, url
