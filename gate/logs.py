"""Structured logs: one JSON object a line, with a dotted event name (``booking.create.slot_full``)
and the record's extra fields, so that log pipelines can count and filter without regexes.
Every line has ``ts``, ``level``, ``logger``, ``event`` and ``pid`` (which process of
``gate serve --workers N`` wrote it), in every process: ``logging_config`` is handed to
uvicorn, which applies it in each worker it starts. A line written while a request is
handled has its ``request_id`` too (gate/request_ids.py), uvicorn's access line included."""

from __future__ import annotations

import json
import logging
import logging.config
import re
from datetime import UTC, datetime
from typing import Any

from gate.request_ids import current_request_id

# Attributes every LogRecord has; anything else on a record came in through ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's coloured copy of the message
    "_redacted",  # RedactSecrets has been through it
}


# Request lines keep the values of these query parameters only: they are neither secret nor
# personal, and an operator reading a log needs them (which gate, which direction, which
# page). Every other value is written ``[redacted]``: secrets (``?token=``: websockets may
# sign in so, and uvicorn's access log prints every query string), plates (``?plate=``),
# the portal's messages after a redirect (they can name a plate), ``next`` paths, cursors.
# An allow-list, not a list of what to hide, so that a parameter added later is hidden until
# someone decides it may be shown.
SHOWN_PARAMETERS = frozenset(
    {"since", "direction", "hours", "day", "from", "to", "limit", "gate", "layout", "partial"}
)
_QUERY_PARAMETER = re.compile(r"(?P<lead>[?&;](?P<name>[^=&;#\s\"'?]+)=)(?P<value>[^&;#\s\"']*)")
REDACTED = "[redacted]"
# The driver's page carries its link's secret in the path (/d/{secret}/state): a request line
# must not hand the page, the truck's plate and its position to whoever reads the log.
_DRIVER_LINK = re.compile(r"(?<=/d/)[A-Za-z0-9_-]{8,}")
# The loggers that print request lines: uvicorn's access log (HTTP), its error log (websocket
# handshakes: ``"WebSocket /ws/...?token=..." [accepted]``), and the boards' websockets server.
REQUEST_LOGGERS = ("uvicorn.access", "uvicorn.error", "websockets.server", "websockets")


def redact(text: str) -> str:
    """``text`` with the value of every query parameter not in ``SHOWN_PARAMETERS`` replaced:
    ``/ws?token=abc&since=3`` becomes ``/ws?token=[redacted]&since=3``, and
    ``/api/v1/bookings?plate=29C12345`` becomes ``/api/v1/bookings?plate=[redacted]``; the
    secret of a driver's link too: ``/d/[redacted]/state``."""
    if "/d/" in text:
        text = _DRIVER_LINK.sub(REDACTED, text)
    if "=" not in text:
        return text
    return _QUERY_PARAMETER.sub(_hide, text)


def _hide(found: re.Match[str]) -> str:
    if found["name"].lower() in SHOWN_PARAMETERS or not found["value"]:
        return found[0]
    return found["lead"] + REDACTED


class RedactSecrets(logging.Filter):
    """Redacts secret and personal query values in a record's message, arguments, extras."""

    def filter(self, record: logging.LogRecord) -> bool:
        # A request line meets this filter twice (on its logger and on the handler): once is
        # enough, redacting is idempotent, and it is paid on every request (issue 20).
        fields = vars(record)
        if fields.get("_redacted"):
            return True
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        for name in fields.keys() - _STANDARD:  # the extras
            if isinstance(value := fields[name], str):
                setattr(record, name, redact(value))
        record._redacted = True
        return True


def install_redaction() -> None:
    """Puts the one redaction rule on every logger that prints request lines (idempotent)."""
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())


class WithRequestId(logging.Filter):
    """Puts the id of the request being handled (``gate.request_ids``) on every record
    written while handling it, as ``request_id``: uvicorn's access line included, which it
    writes from within the request's task. Outside a request the record has none."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = current_request_id()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
            "pid": record.process,
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            # A traceback may quote a URL too (the filter sees only the unformatted record).
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def json_formatter() -> JsonFormatter:
    """The formatter ``logging_config`` names. It also sends ``warnings.warn`` through logging
    (``py.warnings``), so that a library's warning is a JSON line too: a dictConfig has no
    other hook, and a worker process applies nothing but its dictConfig (and warns before
    the app is loaded: uvicorn's own deprecation warnings)."""
    logging.captureWarnings(True)
    # What no line prints, no record needs to find out (the logging HOWTO, "Optimization"):
    # where the call was made (a walk up the stack for every record, uvicorn's access line
    # of every request included: issue 20) and the thread's and process's names. ``pid``
    # stays: it is the record's ``process``, which this leaves on.
    logging._srcfile = None
    logging.logThreads = False
    logging.logMultiprocessing = False
    return JsonFormatter()


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """The platform's logging as a ``logging.config.dictConfig`` dictionary: one handler on
    the root (standard error, JSON, secrets redacted), uvicorn's loggers sent through it.

    uvicorn applies its ``log_config`` in each worker process it spawns; a worker starts
    afresh, so logging configured only in the parent (as before) left the workers with
    Python's last-resort handler: plain text, warnings only."""
    quiet = max(logging.getLevelNamesMapping()[level], logging.WARNING)
    through_root: dict[str, Any] = {"handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.json_formatter"}},
        # On the handler too: whatever logger a request line comes from, it is redacted.
        "filters": {
            "redact": {"()": f"{__name__}.RedactSecrets"},
            "request_id": {"()": f"{__name__}.WithRequestId"},
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["redact", "request_id"],
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": through_root,
            "uvicorn.error": through_root,
            "uvicorn.access": through_root,
            # The boards' server would log every viewer's arrival and departure: tens of
            # thousands of lines in a crisis, and a cost per viewer. Its warnings still come.
            "websockets": {"level": logging.getLevelName(quiet)},
            # Alembic names each of its plugins as it loads them: seven lines a start.
            "alembic.runtime.plugins": {"level": "WARNING"},
        },
    }


def configure_logging(level: str = "INFO") -> None:
    """Apply ``logging_config`` in this process, and the redaction on request loggers."""
    logging.config.dictConfig(logging_config(level))
    install_redaction()
