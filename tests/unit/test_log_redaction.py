"""What the allow-list of request-line values (tests/unit/test_request_line_redaction.py)
leaves to check: a token under a percent-encoded name, a URL quoted in a traceback, and a
password in the start-up banner's database URL never reach the output."""

from __future__ import annotations

import io
import json
import logging
import sys

from gate.cli.database import safe_url as _safe_url
from gate.logs import REDACTED, JsonFormatter, RedactSecrets

SESSION = "gs_0123456789abcdef_s3cr3t-v4lue-of-a-session"


def _written(record: logging.LogRecord) -> str:
    """``record`` as the platform's stderr handler writes it (its filter, its formatter)."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactSecrets())
    handler.setFormatter(JsonFormatter())
    handler.handle(record)
    return out.getvalue()


def test_a_token_under_a_percent_encoded_name_is_not_written():
    # The app decodes ``%74oken`` to ``token`` and signs the socket in with it.
    record = logging.LogRecord(
        "uvicorn.error",
        logging.INFO,
        __file__,
        1,
        '%s - "WebSocket %s" [accepted]',
        ("127.0.0.1:5000", f"/ws/v1/enterprise/vehicles?since=3&%74oken={SESSION}"),
        None,
    )
    line = _written(record)
    assert SESSION not in line
    assert f"%74oken={REDACTED}" in json.loads(line)["event"]


def test_a_url_quoted_in_a_traceback_is_redacted():
    try:
        raise ValueError(f"cannot open /ws/v1/gates/tan-thanh/officer?token={SESSION}")
    except ValueError:
        record = logging.LogRecord("gate", logging.ERROR, __file__, 1, "boom", (), None)
        record.exc_info = sys.exc_info()
    line = _written(record)
    assert SESSION not in line
    assert f"officer?token={REDACTED}" in json.loads(line)["exception"]


def test_the_banner_prints_the_database_url_without_any_password():
    for url in (
        "postgresql://gate:pa55word@db:5432/gate",
        "postgresql://gate@db:5432/gate?password=pa55word&sslmode=require",
        "postgresql://db:5432/gate?password=pa55word",
    ):
        shown = _safe_url(url)
        assert "pa55word" not in shown, url
        assert shown.startswith("postgresql://") and "db:5432/gate" in shown
