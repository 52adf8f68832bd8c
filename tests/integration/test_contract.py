"""The OpenAPI document is the contract: schemathesis sends requests generated from it to the
app in this process (its ASGI support) with each kind of credential, and every answer must be
one the document lists for that operation, of the documented content type and schema; none may
be a 5xx. Requests are generated as the document allows them and as it does not (schemathesis'
negative mode: wrong types, missing fields), the latter answered with a documented 4xx.

Bounded: SQLite only (what is checked is the document, not the storage), a few examples per
operation, derandomised (the same requests every run). One app and one database for the
module; each kind of credential is one test, over every operation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given
from litestar import Litestar
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import get_client, shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gate.config import Settings
from services.app import create_app
from tests.helpers import ADMIN_TOKEN, tomorrow_at
from tests.services import outside_loop, seed_database

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 3
# Requests the document allows, and requests it does not (each must be a documented 4xx).
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
GATE = "tan-thanh"


@dataclass
class World:
    """The app, its document and the data the requests name: a real gate, enterprise,
    booking, vehicle and driver, so that generated requests reach the rules and not only
    404s, and a token per kind of credential."""

    app: Litestar
    schema: Any
    tokens: dict[str, str | None] = field(default_factory=dict)
    known: dict[str, str] = field(default_factory=dict)


def _post(client: requests.Session, path: str, body: dict[str, Any], token: str) -> Any:
    answer = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder: Path = tmp_path_factory.mktemp("contract")
    url = f"sqlite+aiosqlite:///{folder / 'gate.db'}"
    from gate.store.migrate import upgrade

    outside_loop(upgrade, url)
    outside_loop(asyncio.run, seed_database(url))
    settings = Settings(data_dir=folder, database_url=url, admin_token=ADMIN_TOKEN, sweep_seconds=0)
    app = create_app(settings)
    try:
        schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
        world = World(app, schema)
        with get_client(app) as client:
            _make_data(client, world)
        yield world
    finally:
        # schemathesis keeps a started lifespan for the process; this app's ends here.
        shutdown_lifespans()


def _make_data(client: requests.Session, world: World) -> None:
    admin = ADMIN_TOKEN
    for direction in ("export", "import"):
        answer = client.put(
            f"/api/v1/gates/{GATE}/schedules/{direction}",
            json={"hourly_capacity": 50, "opens_at": 0, "closes_at": 24},
            headers={"Authorization": f"Bearer {admin}"},
        )
        assert answer.status_code == 200, answer.text
    enterprise = _post(
        client, "/api/v1/enterprises", {"name": "Công ty Hợp đồng", "tax_code": "4900012345"}, admin
    )
    manager = _post(
        client,
        f"/api/v1/enterprises/{enterprise['id']}/api-keys",
        {"name": "erp", "scope": "manager"},
        admin,
    )["token"]
    booking_key = _post(
        client,
        f"/api/v1/enterprises/{enterprise['id']}/api-keys",
        {"name": "erp", "scope": "booking"},
        admin,
    )["token"]
    vehicle = _post(
        client, "/api/v1/vehicles", {"plate": "12C-345.67", "vehicle_type": "container"}, manager
    )
    driver = _post(
        client,
        "/api/v1/drivers",
        {"full_name": "Nguyễn Văn Hợp", "id_number": "001200000777", "phone": "0912345678"},
        manager,
    )
    booking = _post(
        client,
        "/api/v1/bookings",
        {
            "gate": GATE,
            "direction": "export",
            "slot_start": tomorrow_at(9).isoformat(),
            "vehicle_id": vehicle["id"],
            "driver_id": driver["id"],
            "cargo": {"description": "Thanh long", "weight_kg": 20000, "perishable": True},
        },
        manager,
    )
    _post(
        client,
        "/api/v1/officers",
        {
            "email": "hai.quan@bien-gioi.vn",
            "full_name": "Cán bộ hải quan",
            "agency": "gate_operator",
            "password": "một-mật-khẩu-dài",
            "gates": [GATE],
        },
        admin,
    )
    device = _post(
        client, f"/api/v1/gates/{GATE}/devices", {"name": "camera", "kind": "lpr_camera"}, admin
    )
    world.tokens = {
        "admin": admin,
        "manager": manager,
        "booking": booking_key,
        "device": device["token"],
        "none": None,
    }
    world.known = {
        "code": GATE,
        "enterprise_id": enterprise["id"],
        "booking_id": booking["id"],
        "vehicle_id": vehicle["id"],
        "driver_id": driver["id"],
    }


def _officer_session(client: requests.Session) -> str:
    answer = client.post(
        "/api/v1/auth/sessions",
        json={"email": "hai.quan@bien-gioi.vn", "password": "một-mật-khẩu-dài"},
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["token"])


@pytest.mark.parametrize("credential", ["admin", "manager", "booking", "officer", "device", "none"])
def test_every_answer_is_one_the_document_lists(world: World, credential: str) -> None:
    """Each kind of credential over every operation: no 5xx, and every status code, content
    type and body as documented. Failures are gathered per operation and reported together."""
    failures: list[str] = []
    statuses: list[int] = []
    with get_client(world.app) as client:
        # A session of its own: a generated sign-out must not end another test's.
        token = _officer_session(client) if credential == "officer" else world.tokens[credential]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for result in world.schema.get_all_operations():
            operation = result.ok()
            names = {p.name for p in operation.path_parameters}
            known = {name: value for name, value in world.known.items() if name in names}
            for mode in MODES:

                @given(case=operation.as_strategy(mode, path_parameters=known))
                @hypothesis.settings(
                    max_examples=EXAMPLES,
                    derandomize=True,
                    database=None,
                    deadline=None,
                    suppress_health_check=list(HealthCheck),
                    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
                )
                def run(case: Any) -> None:
                    # Only the credential under test: none generated from the document.
                    sent = case.headers or {}
                    case.headers = {k: v for k, v in sent.items() if k.lower() != "authorization"}
                    response = case.call(session=client, headers=headers)
                    statuses.append(response.status_code)
                    case.validate_response(response, checks=CHECKS)

                try:
                    run()
                except hypothesis.errors.Unsatisfiable:
                    # Negative mode: the operation takes nothing that could be sent wrong.
                    assert mode is GenerationMode.NEGATIVE, operation.label
                except Exception as error:
                    failures.append(f"{operation.label} ({mode.value}): {str(error)[:2000]}")
    assert not failures, "\n\n".join(failures)
    # The requests reached the handlers, not only the checks in front of them.
    assert any(200 <= status < 300 for status in statuses), sorted(set(statuses))


# Anyone may call these; every other operation needs a credential.
PUBLIC = {
    "listGates",
    "getGate",
    "getAvailability",
    "listClosures",
    "getBoard",
    "signIn",
    "live",
    "ready",
    "describeProblemType",
    "listGateDays",  # the statistics' open data (issue 17)
    "getGateTypicalWaits",
    "listFeeSchedules",  # a gate's fee schedule: the council's published rates (issue 19)
    "getFeeScheduleInForce",
}


# The driver's page's JSON: no account and no bearer; the secret in the link's path is the
# credential (a capability URL), which the operation's description must say.
BY_LINK = {"getDriverPageState", "shareDriverPosition"}

# A payment provider's notifications: no bearer; the provider's signature of the body is the
# credential, which the operation's description must say.
SIGNED = {"receivePaymentNotification"}


def _operations(world: World) -> list[tuple[str, str, dict[str, Any]]]:
    document = world.schema.raw_schema
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "operationId" in operation
    ]


def test_public_operations_carry_no_security_and_the_others_name_their_credentials(
    world: World,
) -> None:
    assert "security" not in world.schema.raw_schema  # nothing inherited by every operation
    for _, _, operation in _operations(world):
        if operation["operationId"] in PUBLIC:
            assert not operation.get("security"), operation["operationId"]
        elif operation["operationId"] in BY_LINK:
            assert not operation.get("security"), operation["operationId"]
            assert "only credential" in operation.get("description", ""), operation["operationId"]
        elif operation["operationId"] in SIGNED:
            assert not operation.get("security"), operation["operationId"]
            assert "signature" in operation.get("description", ""), operation["operationId"]
        else:
            assert operation.get("security") == [{"bearer": []}], operation["operationId"]
            assert "**Credential**" in operation.get("description", ""), operation["operationId"]


def test_answers_are_documented_as_sent(world: World) -> None:
    """No JSON answer documented as a bare string (stored bytes replayed), no error in a shape
    the API never sends (Litestar's own 400): every error is problem details."""
    for method, path, operation in _operations(world):
        where = f"{method.upper()} {path}"
        for status, response in operation["responses"].items():
            content = response.get("content") or {}
            # Readiness answers 503 with what is down, for orchestrators: its own shape.
            if int(status) >= 400 and operation["operationId"] != "ready":
                assert list(content) == ["application/problem+json"], (where, status)
            elif "application/json" in content:
                schema = content["application/json"]["schema"]
                assert schema != {"type": "string"}, (where, status)
        if "requestBody" in operation:
            assert {"400", "413", "415", "422"} <= set(operation["responses"]), where


def test_summaries_are_written_for_a_partner(world: World) -> None:
    """Not the handler's name (Litestar's default: ``CallNext``), a sentence of words."""
    for _, _, operation in _operations(world):
        summary = operation.get("summary", "")
        assert " " in summary and summary.lower() != operation["operationId"].lower(), summary
        assert operation.get("description"), operation["operationId"]
