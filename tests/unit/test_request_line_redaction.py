"""Request lines keep what an operator needs and nothing secret or personal: every query
value outside the allow-list is written ``[redacted]`` (issue 11, point 1: "full plates and
personal data out of access logs")."""

from __future__ import annotations

import logging

import pytest

from gate.logs import REDACTED, RedactSecrets, redact


@pytest.mark.parametrize(
    ("line", "hidden", "kept"),
    [
        ("/ws/v1/enterprise/vehicles?token=gk_abc.def&since=3", "gk_abc.def", "since=3"),
        ("/api/v1/bookings?plate=29C12345&limit=5", "29C12345", "limit=5"),
        ("/portal?message=29C12345%20booked", "29C12345", "/portal?message="),
        ("/sign-in?next=%2Fportal%2Fbookings%2Fb-1", "%2Fportal", "/sign-in?next="),
        ("/api/v1/bookings?cursor=eyJpZCI6ICJiLTEifQ", "eyJpZCI6ICJiLTEifQ", "cursor="),
        ("/x?Session_Token=gs_1.2;direction=export", "gs_1.2", "direction=export"),
        ("/api/v1/gates/tan-thanh/availability?direction=export&hours=24", "", "hours=24"),
    ],
)
def test_a_request_line_keeps_only_the_allowed_query_values(line: str, hidden: str, kept: str):
    written = redact(line)
    assert kept in written
    if hidden:
        assert hidden not in written and REDACTED in written


def test_uvicorns_access_record_is_redacted_in_its_arguments():
    # uvicorn's access log: '%s - "%s %s HTTP/%s" %d' with the path and query as an argument.
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/v1/bookings?plate=51D99999", "1.1", 200),
        None,
    )
    RedactSecrets().filter(record)
    assert "51D99999" not in record.getMessage()
    assert f"plate={REDACTED}" in record.getMessage()
