"""Webhook endpoints' rules: which URLs the platform sends to (keeping server-side request
forgery out), how long an old secret signs beside a rotated one.

Standard Webhooks (https://www.standardwebhooks.com): ``webhook-id``, ``webhook-timestamp``
and ``webhook-signature`` headers; the signature header may carry several ``v1,…``
signatures, which is how a rotated endpoint's old and new secrets both sign for a while.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from urllib.parse import urlsplit

from gate.domain.errors import ValidationFailed

# How long the secret a rotation replaced still signs beside the new one: a day, long
# enough for an enterprise to deploy its receiver with the new secret.
ROTATION_GRACE = timedelta(hours=24)

MAX_URL_LENGTH = 2000


def endpoint_url(url: str, *, allow_private: bool) -> str:
    """``url`` as an endpoint may hold it: https (http only for a private or loopback host,
    and only when ``allow_private``), a host, no user name or password in it, at most 2000
    characters. A host written as an IP address must be public unless ``allow_private``
    (names are resolved and held to the same rule when sending). ValidationFailed (field
    ``url``) saying which rule it breaks."""
    if len(url) > MAX_URL_LENGTH:
        raise ValidationFailed(f"a URL of at most {MAX_URL_LENGTH} characters", field="url")
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("https", "http") or not host:
        raise ValidationFailed("an https:// URL with a host", field="url")
    if parts.username or parts.password:
        raise ValidationFailed("a URL without a user name or password in it", field="url")
    try:
        parts.port  # noqa: B018 (parsing it is the check: a port out of range raises)
    except ValueError as error:
        raise ValidationFailed("a URL with a valid port", field="url") from error
    private = is_private_host(host)
    if private and not allow_private:
        raise ValidationFailed(
            "a public host: private and loopback addresses are refused", field="url"
        )
    if parts.scheme == "http" and not (private and allow_private):
        raise ValidationFailed("an https:// URL (http only to a private host)", field="url")
    return url


def is_private_host(host: str) -> bool:
    """Whether ``host`` is written as an address (or is ``localhost``) that is not public:
    private, loopback, link-local, reserved, multicast or unspecified. A name is not judged
    here (it is resolved at send time: ``is_public_address``)."""
    if host.lower() in ("localhost", "localhost.") or host.lower().endswith(".localhost"):
        return True
    try:
        return not is_public_address(host)
    except ValueError:
        return False  # a name


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
