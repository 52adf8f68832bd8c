"""Whose address a per-address limit counts (sign-in failures, websockets per client).

One IPv4 address is one client. An IPv6 address is not: a /64 is the smallest subnet an
end site is given (hosts make up their own addresses in it, RFC 4862; privacy addresses
change by the hour, RFC 8981; RFC 6177 advises giving sites more), so a client can send each
request from a new address of its /64. Counted by /128, the per-address sign-in limit and
socket cap were no limit over IPv6; an IPv6 client is counted by its /64. An IPv4 address
written as IPv6 (``::ffff:203.0.113.7``, from a dual-stack socket) is the IPv4 address.

And this process's own address, where its peers reach it (``pipeline_host``)."""

from __future__ import annotations

import ipaddress
import socket

IPV6_PREFIX = 64


def address_key(address: str | None) -> str:
    """The key a per-address limit counts ``address`` under: the IPv4 address itself, the
    /64 network of an IPv6 address (``2001:db8:1:2::/64``), ``unknown`` for none, and anything
    that is no IP address (a Unix socket's peer) as it is."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_PREFIX), strict=False))
    return str(ip)


def is_internal(address: str | None) -> bool:
    """Whether ``address`` is loopback or private (RFC 1918, unique local fc00::/7,
    link-local: a network of the operator's own), an IPv4 address written as IPv6 judged as
    IPv4. False for none and for anything that is no IP address."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_private


# GATE_PIPELINE_HOST's value for "the address others reach this machine at" (compose.yaml).
OWN_ADDRESS = "auto"


def pipeline_host(value: str) -> str:
    """Where a process takes the check-in batches its peers forward (GATE_PIPELINE_HOST):
    ``value`` itself, or for ``auto`` the address this machine's own name resolves to. In a
    container that is the container's address on its network (Docker and Podman map the
    container's hostname to it), which every replica of a compose service differs in and
    the others can reach; 127.0.0.1 would be reachable from the container itself only.
    OSError when the name does not resolve."""
    if value != OWN_ADDRESS:
        return value
    return socket.gethostbyname(socket.gethostname())
