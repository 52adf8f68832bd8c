"""No query string reaches a log line: uvicorn's request lines (HTTP and websocket
handshakes) and tracebacks are written with every query value redacted, whatever the
parameter is called or however its name is spelled; nor a password the start-up banner's
database URL carries."""

from __future__ import annotations

import io
import json
import logging
import sys

from gate.cli import _safe_url
from gate.logs import JsonFormatter, RedactSecrets

SESSION = "gs_0123456789abcdef_s3cr3t-v4lue-of-a-session"


def _written(record: logging.LogRecord) -> str:
    """``record`` as the platform's stderr handler writes it (its filter, its formatter)."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactSecrets())
    handler.setFormatter(JsonFormatter())
    handler.handle(record)
    return out.getvalue()


def _request_line(logger: str, message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(logger, logging.INFO, __file__, 1, message, args, None)


def test_a_token_under_a_percent_encoded_name_is_not_written():
    # The app decodes ``%74oken`` to ``token`` and signs the socket in with it.
    line = _written(
        _request_line(
            "uvicorn.error",
            '%s - "WebSocket %s" [accepted]',
            "127.0.0.1:5000",
            f"/ws/v1/enterprise/vehicles?since=3&%74oken={SESSION}",
        )
    )
    assert SESSION not in line
    assert "/ws/v1/enterprise/vehicles?[redacted]" in json.loads(line)["event"]


def test_a_full_plate_in_a_query_is_not_in_the_access_log():
    line = _written(
        _request_line(
            "uvicorn.access",
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "GET",
            "/api/v1/bookings?plate=12C-999.88",
            "1.1",
            200,
        )
    )
    assert "999.88" not in line and "12C-999" not in line
    assert '"GET /api/v1/bookings?[redacted] HTTP/1.1" 200' in json.loads(line)["event"]


def test_a_url_quoted_in_a_traceback_is_redacted():
    try:
        raise ValueError(f"cannot open /ws/v1/gates/tan-thanh/officer?token={SESSION}")
    except ValueError:
        record = logging.LogRecord("gate", logging.ERROR, __file__, 1, "boom", (), None)
        record.exc_info = sys.exc_info()
    line = _written(record)
    assert SESSION not in line
    assert "officer?[redacted]" in json.loads(line)["exception"]


def test_prose_with_a_question_mark_is_left_alone():
    line = _written(_request_line("gate", "is Redis up? retrying"))
    assert json.loads(line)["event"] == "is Redis up? retrying"


def test_the_banner_prints_the_database_url_without_any_password():
    for url in (
        "postgresql://gate:pa55word@db:5432/gate",
        "postgresql://gate@db:5432/gate?password=pa55word&sslmode=require",
        "postgresql://db:5432/gate?password=pa55word",
    ):
        shown = _safe_url(url)
        assert "pa55word" not in shown, url
        assert shown.startswith("postgresql://") and "db:5432/gate" in shown
