"""One settings object, read once from the environment (GATE_ prefix)."""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from gate.domain.no_shows import (
    DEFAULT_PEAK_HOURS,
    NoShowPolicy,
    parse_fraction,
    parse_peak_hours,
)
from gate.domain.outbox import DEFAULT_RETRY_SCHEDULE, parse_schedule


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _positive(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError("a number of seconds above 0")
    return number


# The parts a process can serve (services/app.py mounts those it is asked for): the REST API,
# device check-ins, websockets and the polled board, the boards' broadcast server (on
# GATE_BOARDS_PORT), the pages people use.
PARTS = ("api", "checkin", "realtime", "boards", "pages")


def parse_parts(value: str) -> tuple[str, ...]:
    """``"checkin,realtime"`` as parts in PARTS order; ValueError naming an unknown one."""
    named = {part.strip() for part in value.split(",") if part.strip()}
    unknown = named - set(PARTS)
    if unknown or not named:
        raise ValueError(f"parts are some of {', '.join(PARTS)} joined by ','; got {value!r}")
    return tuple(part for part in PARTS if part in named)


def _smtp_security(value: str) -> str:
    if value not in ("starttls", "tls", "none"):
        raise ValueError("starttls, tls or none")
    return value


def _port(value: str) -> int:
    port = int(value) if value.isdigit() else -1
    if not 0 <= port <= 65535:
        raise ValueError("a port number from 0 to 65535")
    return port


def _bank_bin(value: str) -> str:
    if not (value.isascii() and value.isdigit() and len(value) == 6):
        raise ValueError("a bank's NAPAS BIN: 6 digits")
    return value


def _bank_account(value: str) -> str:
    if not (value.isascii() and value.isalnum() and len(value) <= 19):
        raise ValueError("an account number: 1 to 19 letters or digits")
    return value


def _account_name(value: str) -> str:
    if not (value.isascii() and value.isprintable() and len(value) <= 25):
        raise ValueError("the account's name without diacritics: up to 25 ASCII characters")
    return value


def _webhook_secret(value: str) -> str:
    try:
        encoded = value.removeprefix("whsec_")
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except ValueError:
        key = b""
    if not key:
        raise ValueError("a Standard Webhooks secret: whsec_ and base64")
    return value


class SettingError(ValueError):
    """A ``GATE_`` variable whose value the platform cannot use; the message names the
    variable, the value and what is expected, in one line (``gate`` prints it and exits)."""

    def __init__(self, variable: str, value: str, expected: str) -> None:
        super().__init__(f"{variable}={value!r}: expected {expected}")
        self.variable = variable


# What a parser expects, said to a person; other parsers say it in their ValueError.
_EXPECTED: dict[Any, str] = {int: "a whole number", float: "a number"}


def _given(
    env: Mapping[str, str], name: str, attribute: str, parse: Callable[[str], Any]
) -> dict[str, Any]:
    """``{attribute: parse(env[name])}`` when the variable is set, else nothing: the
    dataclass default then applies, so that default is stated once. SettingError naming
    the variable when the value does not parse."""
    value = env.get(name, "").strip()
    if not value:
        return {}
    try:
        return {attribute: parse(value)}
    except ValueError as error:
        raise SettingError(name, value, _EXPECTED.get(parse) or str(error)) from error


# The URLs the platform runs on, after normalise_database_url: its async drivers.
DATABASE_SCHEMES = ("postgresql+asyncpg://", "sqlite+aiosqlite://")


def normalise_database_url(url: str) -> str:
    """Accept the plain URLs people paste and pick the async drivers the platform runs on.
    SettingError (GATE_DATABASE_URL) for any other kind of database."""
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            url = driver + url[len(plain) :]
    if not url.startswith(DATABASE_SCHEMES):
        scheme = url.split("://", 1)[0] + "://" if "://" in url else url
        raise SettingError(
            "GATE_DATABASE_URL", scheme, "postgresql://… or sqlite:///… (PostgreSQL or SQLite)"
        )
    return url


def _replica_url(replica: str, primary: str) -> str:
    """The replica's URL with its async driver; SettingError (GATE_DATABASE_REPLICA_URL) when
    it is not PostgreSQL's or the primary is SQLite: a replica is PostgreSQL's streaming
    replication, and an SQLite file has none (one process reads it directly anyway)."""
    if not primary.startswith("postgresql"):
        raise SettingError(
            "GATE_DATABASE_REPLICA_URL",
            replica.split("://", 1)[0] + "://…",
            "nothing with an SQLite database (a replica needs a PostgreSQL GATE_DATABASE_URL)",
        )
    try:
        url = normalise_database_url(replica)
    except SettingError:
        url = ""
    if not url.startswith("postgresql"):
        raise SettingError(
            "GATE_DATABASE_REPLICA_URL",
            replica.split("://", 1)[0] + "://…",
            "postgresql://… (a streaming replica of the PostgreSQL primary)",
        )
    return url


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path(".gate")
    # Empty: the embedded default, an SQLite file in data_dir. Plain URLs are given their
    # async driver (normalise_database_url).
    database_url: str = ""
    redis_url: str | None = None
    # Prefix of every Redis key and channel, so several platforms can share one Redis.
    redis_namespace: str = "gate"
    admin_token: str | None = None
    # Or a file holding it (a mounted secret; the embedded default's own, which `gate serve`
    # names here): read again whenever it is replaced, so `gate admin rotate-token` needs no
    # restart. Not both.
    admin_token_file: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    booking_horizon_days: int = 14
    seed: bool = True
    auto_migrate: bool = True
    db_pool_size: int = 10
    db_pool_overflow: int = 20
    # How long a request waits for a pooled connection before it is answered 503. A rush on a
    # slot's opening queues hundreds of requests here; they should wait their turn, not fail.
    db_pool_timeout_s: float = 30
    # How long /health/ready waits for its write probe of the database and its ping of Redis
    # before it answers "not ready" (seconds): an orchestrator's own probe times out too.
    ready_timeout_s: float = 2.0
    # How long publishing events to Redis after a commit may hold the answer (seconds); past
    # it the boards catch up from the database instead (gate/bus/events.py).
    bus_publish_timeout_s: float = 0.25
    session_hours: int = 12
    # How often each process runs the no-show and missed-call sweeps; 0 turns them off.
    sweep_seconds: float = 30
    # permessage-deflate on websockets: off by default, since each compressed connection
    # keeps its own deflate state (tens of KiB), and a board viewer should cost less than that.
    ws_compression: bool = False
    # uvicorn's websocket implementation: websockets, websockets-sansio or wsproto.
    ws_implementation: str = "websockets"
    # The public boards' broadcast server (services/boards) on its own port beside the API;
    # None: off (the API's /ws/v1/gates/{code}/board serves them), 0: any free port.
    boards_port: int | None = None
    # Where browsers reach that server when it is not this host at boards_port (behind a
    # proxy, say wss://boards.example.vn); the pages then open the boards there.
    boards_url: str | None = None
    # Group commit of device check-ins: gather for this long (ms) into one transaction; 0: off.
    checkin_batch_ms: float = 2.0
    # Group commit of booking attempts on one slot (gate/bookings/rush.py): gather for this
    # long (ms) into one transaction; 0: off (each attempt in its request's transaction).
    booking_batch_ms: float = 2.0
    # One check-in pipeline per gate across processes (gate/checkins/pipelines.py): the host
    # on which a process takes the batches others forward to the gates whose lease it holds
    # (a free port; the address goes into the lease), "" for nowhere; and the lease's term.
    pipeline_host: str = "127.0.0.1"
    pipeline_lease_s: float = 10.0
    # How long a process waits for the holder to answer a batch it forwarded before it takes
    # the gate over (gate/checkins/relay.py): a holder that hangs must not hold the gate.
    pipeline_answer_s: float = 15.0
    # Signs the browser pages' CSRF tokens; every process of one platform needs the same one.
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    # Mark cookies Secure (set it when the platform is served over TLS, e.g. behind a proxy).
    secure_cookies: bool = False
    # How long a retry key is remembered (docs/architecture.md, "Idempotency"); past it the
    # key counts as new and the periodic sweep deletes its record.
    # Idempotency-Key: a day, as Stripe keeps them: an ERP retries within minutes or hours,
    # and a key reused after a day is a new request.
    idempotency_key_retention_hours: float = 24
    # Device event_id: a week. A camera's backlog older than two days is refused anyway
    # (gate/domain/checkin.py MAX_EVENT_AGE), so every retry the check-in still accepts finds its
    # record; keep this above two days or a late retry would be acted on twice.
    device_event_retention_hours: float = 7 * 24
    # Limits (docs/architecture.md, "Limits"). Rates are in the notation of the `limits`
    # package: "10/minute", several joined by ";" ("30/second;1200/minute").
    # Wrong passwords per e-mail: the 11th within a minute is 429. Per client address three
    # times that: an office behind one NAT shares it, and one person mistyping must not lock
    # out the colleagues (docs/architecture.md, "Limits").
    signin_limit_per_account: str = "10/minute"
    signin_limit_per_address: str = "30/minute"
    # Booking writes (create, reschedule, cancel) per enterprise: an ERP booking its whole
    # fleet when a slot opens fits; a runaway loop does not take the platform's CPU.
    booking_write_limit: str = "60/second;1200/minute"
    # Positions posted through one driver's link: the page sends at most one every 30 s; a
    # second tab or a reconnect's burst fits, a script hammering the link does not.
    driver_position_limit: str = "6/minute"
    # Sign-ups and password resets asked from one client address: each sends a mail, so a
    # script must not turn the platform into a mail cannon.
    account_mail_limit: str = "5/minute;30/hour"
    # Open websockets per client address on the API (officer, enterprise and, without the
    # boards' server, public boards); 0: no cap.
    ws_max_per_address: int = 50
    # Open viewers per client address on the public boards' server, where crowds behind one
    # carrier NAT watch; 0: no cap.
    boards_max_per_address: int = 1000
    # Largest websocket message a client may send (bytes); viewers send nothing we need.
    ws_max_message_bytes: int = 4096
    # The HTTP server's own limits (gate serve): seconds from connecting (or from a request's
    # first byte) until its headers are complete; from then until its body is complete;
    # connections held at once by one process (websockets included), beyond which new
    # requests are answered 503.
    header_timeout_s: float = 10
    body_timeout_s: float = 30
    max_connections: int = 15_000
    # Graceful shutdown (SIGTERM to gate serve): how long the requests under way may take to
    # be answered once the server stops accepting; check-ins still queued a second before it
    # are answered 503 undecided (docs/architecture.md, "Graceful shutdown").
    shutdown_timeout_s: float = 20.0
    # The longest an open websocket outlives the credential it signed in with (sign-out, key
    # revoked, account disabled, officer moved off the gate) when no event says so at once,
    # and the longest another process remembers a revoked API or device key.
    stream_recheck_s: float = 2.0
    # An inherited listening socket to serve on instead of binding host:port (``gate serve
    # --fd``): a supervisor, or a test, binds first and hands the bound socket on.
    listen_fd: int | None = None
    # The same for the boards' broadcast server instead of boards_port (one worker only).
    boards_fd: int | None = None
    # What this process serves (a process per part in production, all of them embedded).
    parts: tuple[str, ...] = PARTS
    # Messages to people (gate/messages, docs/architecture.md "Messages to people"). A channel
    # without its settings is off: no delivery is made on it, and the preferences say so.
    # At most this many messages per person and channel within an hour; the excess waits
    # for room, never dropped (gate/domain/messages.py). 0: no limit.
    message_rate_limit: int = 10
    # Seconds one attempt (an SMTP conversation, an HTTP request to a provider) may take.
    message_timeout_s: float = 10
    # E-mail through SMTP: the relay, its port, the credentials (the password is never
    # logged), the sender's address, and how the connection is secured: "starttls" (upgrade
    # on port 587), "tls" (implicit, port 465) or "none" (a relay on the same host).
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str | None = None
    smtp_security: str = "starttls"
    # Where people open the platform (``https://gate.example.vn``), for the links e-mailed to
    # them (invitations, password resets); None: this server's own host and port.
    public_url: str | None = None
    # SMS through a provider's HTTP API: a JSON POST with a bearer token (gate/messages/sms.py
    # says how a Vietnamese provider maps onto it); the brand name (sender id) if it needs one.
    sms_url: str | None = None
    sms_token: str | None = None
    sms_sender: str | None = None
    # Zalo ZNS (Zalo Notification Service): the API's URL, the official account's access
    # token, and the id of the approved template of each message (none: not sent by Zalo).
    zalo_url: str = "https://business.openapi.zalo.me/message/template"
    zalo_access_token: str | None = None
    zalo_template_dispatch: str | None = None
    zalo_template_called: str | None = None
    zalo_template_exited: str | None = None
    zalo_template_notice: str | None = None
    # The payee of the fees' VietQR codes (gate/domain/vietqr.py): the bank's NAPAS BIN (6
    # digits), the account number, the account's name as bank apps show it (ASCII, up to 25).
    # The defaults are an illustration only, no real account (Vietcombank's BIN, a made-up
    # number): a deployment sets its treasury account's.
    payment_bank_bin: str = "970436"
    payment_account: str = "0123456789"
    payment_account_name: str = "CUA KHAU SO VI DU"
    # The fake provider (gate/payments/providers/fake.py): its Standard Webhooks secret
    # (whsec_…; unset: the fake provider is off), and its payouts' URL, where refunds of the
    # money it brought are sent (unset: refunds stay due; gate/payments/payouts.py).
    payment_fake_secret: str | None = None
    payment_fake_url: str | None = None
    # payOS (gate/payments/providers/payos.py): the payment channel's checksum key (unset: off).
    payment_payos_checksum_key: str | None = None
    # The outbox's dispatcher (webhooks, messages) in this process; off, events are still
    # written and another process delivers them (docs/architecture.md, "The outbox").
    outbox: bool = True
    # The longest the idle dispatcher sleeps (seconds); a commit in this process wakes it.
    outbox_poll_s: float = 1.0
    # Waits before each retry of a failed delivery, full jitter (gate/domain/outbox.py).
    outbox_retry_schedule: tuple[float, ...] = parse_schedule(DEFAULT_RETRY_SCHEDULE)
    # Finished deliveries (with their attempts) and expanded events are deleted this many days
    # after the last attempt was due (gate/outbox/retention.py): a month of delivery log for
    # an enterprise to look back on, beyond the retry schedule's 27.6 hours.
    outbox_retention_days: float = 30
    # Who may read /metrics besides loopback and private addresses: a bearer token; when it
    # is set, every scrape must carry it (services/common/metrics.py).
    metrics_token: str | None = None
    # Webhooks to private, loopback and link-local addresses (and plain http to them): off,
    # so that an endpoint cannot reach inside the platform's network (SSRF); tests turn it on.
    webhook_allow_private: bool = False
    # A streaming replica of the PostgreSQL primary for the reads that may lag (the boards'
    # projector, availability, statistics, booking history: gate/store/replica.py); None: all
    # reads on the primary. Refused with an SQLite primary (an SQLite file has no replica).
    database_replica_url: str | None = None
    # How far behind the primary the replica may be (seconds) before those reads go back to
    # the primary, and how often its lag is measured (seconds).
    replica_max_lag_s: float = 5.0
    replica_check_s: float = 1.0
    # No-show accountability (gate/domain/no_shows.py; docs/architecture.md, "No-show
    # accountability"): the rate's window (days) and the bookings it needs before it counts;
    # the rate above which a peak hour's share shrinks, by how much per unit of rate, and to
    # what floor; the peak hours (local, "7-11,13-17": 07:00-11:00 and 13:00-17:00).
    no_show_window_days: int = 30
    no_show_minimum_bookings: int = 10
    no_show_threshold: float = 0.10
    no_show_slope: float = 2.0
    peak_share_floor: float = 0.25
    peak_hours: frozenset[int] = DEFAULT_PEAK_HOURS
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        url = self.database_url or f"sqlite+aiosqlite:///{self.data_dir}/gate.db"
        # Frozen: the one place a field is completed after construction.
        object.__setattr__(self, "database_url", normalise_database_url(url))
        if self.database_replica_url:
            object.__setattr__(
                self, "database_replica_url", _replica_url(self.database_replica_url, url)
            )
        if self.admin_token and self.admin_token_file is not None:
            raise SettingError(
                "GATE_ADMIN_TOKEN_FILE",
                str(self.admin_token_file),
                "GATE_ADMIN_TOKEN or GATE_ADMIN_TOKEN_FILE, not both",
            )

    @property
    def idempotency_key_retention(self) -> timedelta:
        return timedelta(hours=self.idempotency_key_retention_hours)

    @property
    def device_event_retention(self) -> timedelta:
        return timedelta(hours=self.device_event_retention_hours)

    @property
    def outbox_retention(self) -> timedelta:
        return timedelta(days=self.outbox_retention_days)

    @property
    def no_show_policy(self) -> NoShowPolicy:
        return NoShowPolicy(
            window=timedelta(days=self.no_show_window_days),
            minimum_bookings=self.no_show_minimum_bookings,
            threshold=self.no_show_threshold,
            slope=self.no_show_slope,
            floor=self.peak_share_floor,
            peak_hours=self.peak_hours,
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings the ``GATE_`` variables of ``env`` (the process's environment when
        None) give; an unset or empty variable leaves its field's default. SettingError (a
        ValueError) naming the variable when a value does not parse."""
        env = os.environ if env is None else env
        given: dict[str, Any] = {}
        for name, attribute, parse in VARIABLES:
            given.update(_given(env, name, attribute, parse))
        return cls(**given)


# Every setting the environment gives: variable, field, parser. The default is the field's
# (stated once, in Settings above); each variable has a row in the README's Configuration.
VARIABLES: tuple[tuple[str, str, Callable[[str], Any]], ...] = (
    ("GATE_DATA_DIR", "data_dir", Path),
    ("GATE_DATABASE_URL", "database_url", str),
    ("GATE_REDIS_URL", "redis_url", str),
    ("GATE_REDIS_NAMESPACE", "redis_namespace", str),
    ("GATE_ADMIN_TOKEN", "admin_token", str),
    ("GATE_ADMIN_TOKEN_FILE", "admin_token_file", Path),
    ("GATE_HOST", "host", str),
    ("GATE_PORT", "port", _port),
    ("GATE_BOOKING_HORIZON_DAYS", "booking_horizon_days", int),
    ("GATE_SEED", "seed", _bool),
    ("GATE_AUTO_MIGRATE", "auto_migrate", _bool),
    ("GATE_DB_POOL_SIZE", "db_pool_size", int),
    ("GATE_DB_POOL_OVERFLOW", "db_pool_overflow", int),
    ("GATE_DB_POOL_TIMEOUT", "db_pool_timeout_s", float),
    ("GATE_READY_TIMEOUT", "ready_timeout_s", float),
    ("GATE_BUS_PUBLISH_TIMEOUT", "bus_publish_timeout_s", float),
    ("GATE_SESSION_HOURS", "session_hours", int),
    ("GATE_SWEEP_SECONDS", "sweep_seconds", float),
    ("GATE_WS_COMPRESSION", "ws_compression", _bool),
    ("GATE_WS_IMPLEMENTATION", "ws_implementation", str),
    ("GATE_BOARDS_PORT", "boards_port", _port),
    ("GATE_BOARDS_URL", "boards_url", str),
    ("GATE_CHECKIN_BATCH_MS", "checkin_batch_ms", float),
    ("GATE_BOOKING_BATCH_MS", "booking_batch_ms", float),
    ("GATE_PIPELINE_HOST", "pipeline_host", str),
    ("GATE_PIPELINE_LEASE_S", "pipeline_lease_s", _positive),
    ("GATE_PIPELINE_ANSWER_S", "pipeline_answer_s", _positive),
    ("GATE_SECRET_KEY", "secret_key", str),
    ("GATE_SECURE_COOKIES", "secure_cookies", _bool),
    ("GATE_IDEMPOTENCY_KEY_RETENTION_HOURS", "idempotency_key_retention_hours", float),
    ("GATE_DEVICE_EVENT_RETENTION_HOURS", "device_event_retention_hours", float),
    ("GATE_SIGNIN_LIMIT_PER_ACCOUNT", "signin_limit_per_account", str),
    ("GATE_SIGNIN_LIMIT_PER_ADDRESS", "signin_limit_per_address", str),
    ("GATE_BOOKING_WRITE_LIMIT", "booking_write_limit", str),
    ("GATE_DRIVER_POSITION_LIMIT", "driver_position_limit", str),
    ("GATE_ACCOUNT_MAIL_LIMIT", "account_mail_limit", str),
    ("GATE_WS_MAX_PER_ADDRESS", "ws_max_per_address", int),
    ("GATE_BOARDS_MAX_PER_ADDRESS", "boards_max_per_address", int),
    ("GATE_WS_MAX_MESSAGE_BYTES", "ws_max_message_bytes", int),
    ("GATE_HEADER_TIMEOUT", "header_timeout_s", float),
    ("GATE_BODY_TIMEOUT", "body_timeout_s", float),
    ("GATE_MAX_CONNECTIONS", "max_connections", int),
    ("GATE_SHUTDOWN_TIMEOUT", "shutdown_timeout_s", _positive),
    ("GATE_STREAM_RECHECK_S", "stream_recheck_s", _positive),
    ("GATE_PARTS", "parts", parse_parts),
    ("GATE_LISTEN_FD", "listen_fd", int),
    ("GATE_BOARDS_FD", "boards_fd", int),
    ("GATE_MESSAGE_RATE_LIMIT", "message_rate_limit", int),
    ("GATE_MESSAGE_TIMEOUT", "message_timeout_s", _positive),
    ("GATE_SMTP_HOST", "smtp_host", str),
    ("GATE_SMTP_PORT", "smtp_port", _port),
    ("GATE_SMTP_USERNAME", "smtp_username", str),
    ("GATE_SMTP_PASSWORD", "smtp_password", str),
    ("GATE_SMTP_FROM", "smtp_from", str),
    ("GATE_SMTP_SECURITY", "smtp_security", _smtp_security),
    ("GATE_PUBLIC_URL", "public_url", str),
    ("GATE_SMS_URL", "sms_url", str),
    ("GATE_SMS_TOKEN", "sms_token", str),
    ("GATE_SMS_SENDER", "sms_sender", str),
    ("GATE_ZALO_URL", "zalo_url", str),
    ("GATE_ZALO_ACCESS_TOKEN", "zalo_access_token", str),
    ("GATE_ZALO_TEMPLATE_DISPATCH", "zalo_template_dispatch", str),
    ("GATE_ZALO_TEMPLATE_CALLED", "zalo_template_called", str),
    ("GATE_ZALO_TEMPLATE_EXITED", "zalo_template_exited", str),
    ("GATE_ZALO_TEMPLATE_NOTICE", "zalo_template_notice", str),
    ("GATE_PAYMENT_BANK_BIN", "payment_bank_bin", _bank_bin),
    ("GATE_PAYMENT_ACCOUNT", "payment_account", _bank_account),
    ("GATE_PAYMENT_ACCOUNT_NAME", "payment_account_name", _account_name),
    ("GATE_PAYMENT_FAKE_SECRET", "payment_fake_secret", _webhook_secret),
    ("GATE_PAYMENT_FAKE_URL", "payment_fake_url", str),
    ("GATE_PAYMENT_PAYOS_CHECKSUM_KEY", "payment_payos_checksum_key", str),
    ("GATE_OUTBOX", "outbox", _bool),
    ("GATE_OUTBOX_POLL_S", "outbox_poll_s", _positive),
    ("GATE_OUTBOX_RETRY_SCHEDULE", "outbox_retry_schedule", parse_schedule),
    ("GATE_WEBHOOK_ALLOW_PRIVATE", "webhook_allow_private", _bool),
    ("GATE_OUTBOX_RETENTION_DAYS", "outbox_retention_days", _positive),
    ("GATE_METRICS_TOKEN", "metrics_token", str),
    ("GATE_DATABASE_REPLICA_URL", "database_replica_url", str),
    ("GATE_REPLICA_MAX_LAG_S", "replica_max_lag_s", _positive),
    ("GATE_REPLICA_CHECK_S", "replica_check_s", _positive),
    ("GATE_NO_SHOW_WINDOW_DAYS", "no_show_window_days", int),
    ("GATE_NO_SHOW_MINIMUM_BOOKINGS", "no_show_minimum_bookings", int),
    ("GATE_NO_SHOW_THRESHOLD", "no_show_threshold", parse_fraction),
    ("GATE_NO_SHOW_SLOPE", "no_show_slope", float),
    ("GATE_PEAK_SHARE_FLOOR", "peak_share_floor", parse_fraction),
    ("GATE_PEAK_HOURS", "peak_hours", parse_peak_hours),
)
