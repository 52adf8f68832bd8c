"""Every limit is a GATE_ setting with a default, and a rate the platform cannot read stops
it at start-up with the setting's name, instead of leaving the limit off."""

from __future__ import annotations

import pytest

from gate.config import Settings
from gate.throttling import Throttles
from services.server import server_options


def test_the_limits_have_their_documented_defaults():
    default = Settings.from_env({})
    assert default.signin_limit_per_account == "10/minute"
    assert default.signin_limit_per_address == "30/minute"  # an office behind one NAT
    assert default.booking_write_limit == "60/second;1200/minute"
    assert (default.ws_max_per_address, default.boards_max_per_address) == (50, 1000)
    assert default.ws_max_message_bytes == 4096
    assert (default.header_timeout_s, default.body_timeout_s) == (10, 30)
    assert default.max_connections == 15_000


def test_the_limits_are_read_from_the_environment_and_reach_the_server():
    tuned = Settings.from_env(
        {
            "GATE_SIGNIN_LIMIT_PER_ACCOUNT": "5/minute;20/hour",
            "GATE_BOOKING_WRITE_LIMIT": "100/second",
            "GATE_WS_MAX_PER_ADDRESS": "0",
            "GATE_WS_MAX_MESSAGE_BYTES": "2048",
            "GATE_HEADER_TIMEOUT": "2.5",
            "GATE_MAX_CONNECTIONS": "900",
        }
    )
    assert tuned.signin_limit_per_account == "5/minute;20/hour"
    assert tuned.booking_write_limit == "100/second"
    assert tuned.ws_max_per_address == 0
    assert tuned.header_timeout_s == 2.5
    options = server_options(tuned)
    assert options["limit_concurrency"] == 900
    assert options["ws_max_size"] == 2048


@pytest.mark.parametrize(
    ("variable", "attribute"),
    [
        ("GATE_SIGNIN_LIMIT_PER_ADDRESS", "signin_limit_per_address"),
        ("GATE_BOOKING_WRITE_LIMIT", "booking_write_limit"),
    ],
)
def test_an_unreadable_rate_stops_the_platform_at_start_naming_the_setting(
    variable: str, attribute: str
):
    settings = Settings.from_env({variable: "as many as they like"})
    with pytest.raises(ValueError, match=variable):
        Throttles(settings)
