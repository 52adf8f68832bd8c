"""Rate limits on sign-in and on booking writes, counted by the `limits` package: in this
process's memory, or shared by every process through Redis when ``GATE_REDIS_URL`` is set.

Rates are written in that package's notation (``"10/minute"``, several joined by ``";"``:
``"30/second;1200/minute"``); a request is refused when any of them is spent, with the whole
seconds until the first spent one has room again (``TooManyRequests.retry_after``).

Sign-in (docs/architecture.md, "Limits"): failed attempts are limited, per account (the
e-mail, hashed: no address lands in Redis) and per client address (an IPv6 client by its
/64: ``gate.addresses``), in moving windows.
Successful sign-ins do not count (an office behind one address signs in at shift change),
and they give nothing back either: an attacker who signs into an account of his own
between guesses gains no guess by it (a counter reset on success would give him one each
time). Every attempt is counted before its password is checked, not after it failed, so a
burst of a thousand parallel guesses gets as many checks as the limit allows, not a
thousand (``_Failures``).

Booking writes: one sliding-window counter per enterprise (two numbers per key in Redis,
where a moving window keeps one entry per write).

Redis lost or slow: the call is bounded (``REDIS_TIMEOUT_S``) and the limit is counted in
this process's memory meanwhile (``SHARED_RETRY_S`` before Redis is tried again), so neither
sign-in nor booking waits for Redis or fails with it (the database is the truth; Redis may go
at any moment)."""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Sequence

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import (
    MovingWindowRateLimiter,
    RateLimiter,
    SlidingWindowCounterRateLimiter,
)
from limits.errors import StorageError
from redis.asyncio import ConnectionPool

from gate.addresses import address_key
from gate.config import Settings
from gate.domain.errors import TooManyRequests

log = logging.getLogger("gate.throttling")

# A limit check may not hold a request longer than this when Redis stalls (seconds).
REDIS_TIMEOUT_S = 0.5
# After a failed call, the limits are counted in memory this long before Redis is tried again.
SHARED_RETRY_S = 2.0
# Attempts (successes included) a failure window holds, per failure it allows.
ATTEMPTS_PER_FAILURE = 20


def parse_rates(text: str, setting: str) -> list[RateLimitItem]:
    """``"30/second;1200/minute"`` as rate items; ValueError naming ``setting`` if unreadable."""
    try:
        rates = parse_many(text)
    except ValueError as error:
        raise ValueError(f"{setting}={text!r} is not a rate such as '10/minute'") from error
    if not rates:
        raise ValueError(f"{setting} is empty")
    return rates


class _Limiters:
    """One strategy over the shared storage, with a twin in this process's memory that
    counts while the shared storage fails (Redis lost or slow). After a failure the twin
    counts alone for ``SHARED_RETRY_S``: a stalled Redis costs one request a timeout each
    period, not every request (a sign-in makes four calls, and each waited its 0.5 s)."""

    def __init__(self, strategy: type[RateLimiter], shared: Storage, local: Storage) -> None:
        self._shared = strategy(shared)
        self._local = strategy(local)
        self._shared_is_local = shared is local
        self._shared_again_at = float("-inf")  # time.monotonic() after which Redis is tried

    async def run(self, name: str, action: Callable[[RateLimiter], Awaitable[None]]) -> None:
        if self._shared_is_local:
            await action(self._shared)
            return
        if time.monotonic() >= self._shared_again_at:
            try:
                await action(self._shared)
                return
            except StorageError:
                self._shared_again_at = time.monotonic() + SHARED_RETRY_S
                log.warning("throttle.storage_unavailable", extra={"limit": name})
        # Counted here meanwhile: a lost Redis neither blocks requests nor lifts the limit.
        await action(self._local)


async def _refuse(
    name: str, limiter: RateLimiter, spent: Sequence[tuple[RateLimitItem, tuple[str, ...]]]
) -> None:
    """Raise TooManyRequests with the seconds until the first of ``spent`` has room."""
    now = time.time()
    waits = []
    for rate, identifiers in spent:
        stats = await limiter.get_window_stats(rate, *identifiers)
        waits.append(math.ceil(stats.reset_time - now))
    raise TooManyRequests(f"too many {name}", max(waits))


class _Requests:
    """Requests per key, every one counted (sliding-window counters)."""

    def __init__(self, name: str, rates: Sequence[RateLimitItem], limiters: _Limiters) -> None:
        self.name = name
        self.rates = list(rates)
        self._limiters = limiters

    async def take(self, key: str) -> None:
        """Count one request under ``key``; TooManyRequests when a rate was already spent."""

        async def take(limiter: RateLimiter) -> None:
            ids = (self.name, key)
            spent = [(r, ids) for r in self.rates if not await limiter.hit(r, *ids)]
            if spent:
                await _refuse(self.name, limiter, spent)

        await self._limiters.run(self.name, take)


class _Failures:
    """Failed attempts per key (moving windows), counted so that a burst cannot outrun them:
    every attempt is counted before it is judged, and a success then counts once more on
    the other side. The unresolved attempts (attempts − successes) are the failures and
    those still being judged; the attempt that would make them more than the rate allows is
    refused. A success cancels its own attempt only, so it buys no further attempt."""

    def __init__(self, name: str, rates: Sequence[RateLimitItem], limiters: _Limiters) -> None:
        self.name = name
        # Same windows, room for the successes too (an office signing in at shift change).
        self._rates = [
            (rate, type(rate)(rate.amount * ATTEMPTS_PER_FAILURE, rate.multiples)) for rate in rates
        ]
        self._limiters = limiters

    async def attempt(self, key: str) -> None:
        """Count an attempt under ``key``; TooManyRequests when the failures are spent."""

        async def attempt(limiter: RateLimiter) -> None:
            attempts, successes = (self.name, "attempt", key), (self.name, "success", key)
            spent = []
            for rate, wide in self._rates:
                if not await limiter.hit(wide, *attempts):
                    spent.append((wide, attempts))
                    continue
                tried = wide.amount - (await limiter.get_window_stats(wide, *attempts)).remaining
                done = wide.amount - (await limiter.get_window_stats(wide, *successes)).remaining
                if tried - done > rate.amount:
                    spent.append((wide, attempts))
            if spent:
                await _refuse(self.name, limiter, spent)

        await self._limiters.run(self.name, attempt)

    async def succeeded(self, key: str) -> None:
        """The attempt under ``key`` succeeded: it is no failure."""

        async def succeeded(limiter: RateLimiter) -> None:
            for _, wide in self._rates:
                await limiter.hit(wide, self.name, "success", key)

        await self._limiters.run(self.name, succeeded)


class Throttles:
    """The platform's rate limits for one process, on storage shared through Redis when
    ``settings.redis_url`` is set. ``ValueError`` at construction for an unreadable rate."""

    def __init__(self, settings: Settings) -> None:
        self._local = MemoryStorage()
        self._pool: ConnectionPool | None = None
        shared: Storage = self._local
        if settings.redis_url:
            # Our own pool, so that we can close it; limits builds a redis-py client on it.
            self._pool = ConnectionPool.from_url(
                settings.redis_url,
                socket_timeout=REDIS_TIMEOUT_S,
                socket_connect_timeout=REDIS_TIMEOUT_S,
            )
            shared = RedisStorage(
                # Where Redis is, the pool says (any of redis://, rediss://, unix://); the URI
                # only picks the storage kind, and limits reads "async+unix://" as Valkey.
                "async+redis://",
                wrap_exceptions=True,
                implementation="redispy",  # the stack's client; limits defaults to coredis
                key_prefix=f"{settings.redis_namespace}:limits",
                connection_pool=self._pool,  # type: ignore[arg-type]
            )
        moving = _Limiters(MovingWindowRateLimiter, shared, self._local)
        self._account = _Failures(
            "failed sign-ins for this account",
            parse_rates(settings.signin_limit_per_account, "GATE_SIGNIN_LIMIT_PER_ACCOUNT"),
            moving,
        )
        self._address = _Failures(
            "failed sign-ins from this address",
            parse_rates(settings.signin_limit_per_address, "GATE_SIGNIN_LIMIT_PER_ADDRESS"),
            moving,
        )
        self._bookings = _Requests(
            "booking changes for this enterprise",
            parse_rates(settings.booking_write_limit, "GATE_BOOKING_WRITE_LIMIT"),
            _Limiters(SlidingWindowCounterRateLimiter, shared, self._local),
        )
        self._positions = _Requests(
            "positions shared through this link",
            parse_rates(settings.driver_position_limit, "GATE_DRIVER_POSITION_LIMIT"),
            _Limiters(SlidingWindowCounterRateLimiter, shared, self._local),
        )
        self._account_mails = _Requests(
            "sign-ups and password resets from this address",
            parse_rates(settings.account_mail_limit, "GATE_ACCOUNT_MAIL_LIMIT"),
            _Limiters(SlidingWindowCounterRateLimiter, shared, self._local),
        )

    async def sign_in_attempt(self, email: str, address: str | None) -> None:
        """Count a sign-in attempt before its password is checked; TooManyRequests when the
        address or the account has had its failures this window (the password is then not
        checked at all, so a throttled guess costs no password hashing either)."""
        await self._address.attempt(address_key(address))
        await self._account.attempt(_account_key(email))

    async def signed_in(self, email: str, address: str | None) -> None:
        """The attempt counted by ``sign_in_attempt`` succeeded: it is no failure, for the
        account nor for the address (it buys no further attempt either)."""
        await self._address.succeeded(address_key(address))
        await self._account.succeeded(_account_key(email))

    async def booking_write(self, enterprise_id: str) -> None:
        """Count a booking write (create, reschedule, cancel) of ``enterprise_id``;
        TooManyRequests when the enterprise has spent a rate."""
        await self._bookings.take(enterprise_id)

    async def driver_position(self, link_key: str) -> None:
        """Count a position posted through one driver's link (``link_key``: the link's hash,
        never its secret); TooManyRequests past GATE_DRIVER_POSITION_LIMIT."""
        await self._positions.take(link_key)

    async def account_mail(self, address: str | None) -> None:
        """Count a sign-up or a password reset asked from ``address``; TooManyRequests past
        GATE_ACCOUNT_MAIL_LIMIT."""
        await self._account_mails.take(address_key(address))

    async def close(self) -> None:
        """Close the connections to Redis (the memory storage holds none)."""
        if self._pool is not None:
            await self._pool.aclose()


def _account_key(email: str) -> str:
    # Hashed: the key says which account without putting its e-mail in Redis.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
