"""Webhook endpoints' rules: which URLs the platform sends to (keeping server-side request
forgery out), how long an old secret signs beside a rotated one.

Standard Webhooks (https://www.standardwebhooks.com): ``webhook-id``, ``webhook-timestamp``
and ``webhook-signature`` headers; the signature header may carry several ``v1,…``
signatures, which is how a rotated endpoint's old and new secrets both sign for a while.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from gate.domain.errors import ValidationFailed

# How long the secret a rotation replaced still signs beside the new one: a day, long
# enough for an enterprise to deploy its receiver with the new secret.
ROTATION_GRACE = timedelta(hours=24)

# At most this many rotated-out secrets sign beside the current one. Every secret in its
# grace signs every webhook (one more HMAC and about 50 more bytes of webhook-signature
# each), so rotations in a loop (a script gone wrong) must not grow that without bound;
# five covers a day's honest rotations (a secret rotated again after a deploy that went
# wrong). Past five, the oldest stops signing before its grace ends.
MAX_ROTATED_SECRETS = 5

MAX_URL_LENGTH = 2000


def secrets_in_grace(
    rotated: Sequence[tuple[str, datetime]], now: datetime
) -> list[tuple[str, datetime]]:
    """The rotated-out secrets (each with the end of its grace) that still sign at ``now``,
    oldest first."""
    return [(secret, until) for secret, until in rotated if until > now]


def after_rotation(
    rotated: Sequence[tuple[str, datetime]], replaced: str, now: datetime
) -> list[tuple[str, datetime]]:
    """The rotated-out secrets once ``replaced`` is rotated out at ``now``: those still in
    their grace, each keeping its own end, and ``replaced`` until ``now`` + ROTATION_GRACE;
    the newest MAX_ROTATED_SECRETS of them. A receiver still on a secret rotated out twice
    ago verifies until that secret's own grace ends."""
    kept = [*secrets_in_grace(rotated, now), (replaced, now + ROTATION_GRACE)]
    return kept[-MAX_ROTATED_SECRETS:]


def endpoint_url(url: str, *, allow_private: bool) -> str:
    """``url`` as an endpoint may hold it: https (http only for a private or loopback host,
    and only when ``allow_private``), a host, no user name or password in it, at most 2000
    characters. A host written as an IP address (in any form the resolver takes: 127.1,
    2130706433, 0x7f000001) must be public unless ``allow_private``; any other host must be
    a DNS name (names are resolved and held to the same rule when sending). ValidationFailed
    (field ``url``) saying which rule it breaks, with its ``why`` code (``url-…``) for the
    pages' words."""
    if len(url) > MAX_URL_LENGTH:
        raise ValidationFailed(
            f"a URL of at most {MAX_URL_LENGTH} characters",
            field="url",
            why="url-length",
            why_value=MAX_URL_LENGTH,
        )
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as error:  # brackets that hold no IPv6 address
        raise ValidationFailed("a URL with a valid host", field="url", why="url-host") from error
    if parts.scheme not in ("https", "http") or not host:
        raise ValidationFailed("an https:// URL with a host", field="url", why="url-form")
    if not (_address(host) or _dns_name(host)) or ("[" in parts.netloc and ":" not in host):
        # Sending to it could never succeed: refused now rather than disabled in a day.
        raise ValidationFailed(
            "a URL whose host is a DNS name or an IP address", field="url", why="url-host"
        )
    if parts.username or parts.password:
        raise ValidationFailed(
            "a URL without a user name or password in it", field="url", why="url-credentials"
        )
    try:
        parts.port  # noqa: B018 (parsing it is the check: a port out of range raises)
    except ValueError as error:
        raise ValidationFailed("a URL with a valid port", field="url", why="url-port") from error
    private = is_private_host(host)
    if private and not allow_private:
        raise ValidationFailed(
            "a public host: private and loopback addresses are refused",
            field="url",
            why="url-private",
        )
    if parts.scheme == "http" and not (private and allow_private):
        raise ValidationFailed(
            "an https:// URL (http only to a private host)", field="url", why="url-https"
        )
    return url


def is_private_host(host: str) -> bool:
    """Whether ``host`` is written as an address (or is ``localhost``) that is not public:
    private, loopback, link-local, reserved, multicast or unspecified. A name is not judged
    here (it is resolved at send time: ``is_public_address``)."""
    if host.lower() in ("localhost", "localhost.") or host.lower().endswith(".localhost"):
        return True
    address = _address(host)
    return address is not None and not is_public_address(address)


def _address(host: str) -> str | None:
    """The IP address ``host`` is written as, also in the forms the resolver reads as IPv4
    (``127.1``, ``2130706433``, ``0x7f000001``, octal parts); None for a name."""
    try:
        return str(ipaddress.ip_address(host.strip("[]").split("%")[0]))
    except ValueError:
        pass
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


def _dns_name(host: str) -> bool:
    """Whether ``host`` is a name DNS can hold: labels of letters, digits and hyphens (after
    IDNA), each 1 to 63 long, 253 in all, not all digits at the end (that is an address)."""
    try:
        name = host.encode("idna").decode("ascii").lower().removesuffix(".")
    except UnicodeError:
        return False
    labels = name.split(".")
    return (
        len(name) <= 253
        and all(_LABEL.match(label) for label in labels)
        and not labels[-1].isdigit()
    )


def is_public_address(address: str) -> bool:
    """Whether the IP ``address`` is one a webhook may be sent to without
    GATE_WEBHOOK_ALLOW_PRIVATE: globally routable (not private, loopback, link-local - the
    cloud metadata service at 169.254.169.254 -, shared, reserved, multicast). An IPv6
    address that carries an IPv4 one is judged by it (IPv4-mapped, 6to4); the forms under
    ::/8 (IPv4-compatible, IPv4-translated, NAT64's 64:ff9b::) are reserved and refused,
    though Python before 3.12 calls them global. ValueError when it is no IP address."""
    ip = ipaddress.ip_address(address.strip("[]").split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        ip = ip.ipv4_mapped or ip.sixtofour or ip
    return ip.is_global and not ip.is_multicast and not ip.is_reserved
