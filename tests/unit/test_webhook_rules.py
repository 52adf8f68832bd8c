"""Which URLs a webhook endpoint may have (gate/domain/webhooks.py): https to a public host;
private, loopback and link-local addresses only when GATE_WEBHOOK_ALLOW_PRIVATE is on. Which
secrets a rotation leaves signing: each rotated out for its own grace, the newest few."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gate.domain.errors import ValidationFailed
from gate.domain.webhooks import (
    MAX_ROTATED_SECRETS,
    ROTATION_GRACE,
    after_rotation,
    endpoint_url,
    is_public_address,
    secrets_in_grace,
)


@pytest.mark.parametrize(
    "url",
    [
        "https://erp.example.vn/hooks",
        "https://8.8.8.8:8443/hooks",
        "https://[2001:4860:4860::8888]/hooks",
        "https://xuất-nhập-khẩu.vn/hooks",  # an IDN
        "https://erp.example.vn./hooks",
    ],
)
def test_https_to_a_public_host_is_taken(url: str):
    assert endpoint_url(url, allow_private=False) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://erp.example.vn/hooks",  # not https
        "https://127.0.0.1/hooks",
        "https://localhost/hooks",
        "https://10.1.2.3/hooks",
        "https://169.254.169.254/latest/meta-data",  # the cloud's metadata service
        "https://[::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        # IPv6 forms that carry an IPv4 address inside: IPv4-compatible, IPv4-translated
        # (SIIT), NAT64 (well-known and local-use prefixes) and 6to4 of a private address.
        "https://[::127.0.0.1]/hooks",
        "https://[::ffff:0:7f00:1]/hooks",
        "https://[64:ff9b::a9fe:a9fe]/latest/meta-data",
        "https://[64:ff9b:1::a00:1]/hooks",
        "https://[2002:7f00:1::]/hooks",
        "https://[2002:a9fe:a9fe::1]/hooks",
        "https://user:password@erp.example.vn/hooks",
        "ftp://erp.example.vn/hooks",
        "https:///hooks",
        "https://erp.example.vn:99999/hooks",
        # The resolver's other spellings of 127.0.0.1 and of 0.0.0.0.
        "https://127.1/hooks",
        "https://2130706433/hooks",
        "https://0x7f000001/hooks",
        "https://017700000001/hooks",
        "https://0/hooks",
        # Hosts no request could reach (they were taken, then failed for a day): brackets
        # without an IPv6 address (a 500 before), a space, an empty label after IDNA, a
        # label over 63 characters, an escape.
        "https://[::1/hooks",
        "https://[1:2:3:4:5:6:7:8:9]/hooks",
        "https://[v1.erp]/hooks",
        "https://erp example.vn/hooks",
        "https://\u2488.example.vn/hooks",
        "https://" + "a" * 64 + ".example.vn/hooks",
        "https://erp%41.example.vn/hooks",
    ],
)
def test_a_url_inside_or_not_https_is_refused(url: str):
    with pytest.raises(ValidationFailed) as refused:
        endpoint_url(url, allow_private=False)
    assert refused.value.extensions == {"field": "url"}


def test_private_receivers_only_when_allowed():
    assert endpoint_url("http://127.0.0.1:8080/hooks", allow_private=True)
    with pytest.raises(ValidationFailed):
        endpoint_url("http://erp.example.vn/hooks", allow_private=True)  # public: https


def test_addresses_a_name_resolves_to_are_judged_alike():
    assert is_public_address("8.8.8.8")
    for inside in ("127.0.0.1", "10.0.0.1", "192.168.1.1", "169.254.169.254", "::1", "fe80::1"):
        assert not is_public_address(inside)
    for inside in ("::7f00:1", "64:ff9b::7f00:1", "2002:c0a8:101::1", "::ffff:0:a00:1"):
        assert not is_public_address(inside)  # an IPv4 inside an IPv6 address
    assert is_public_address("2002:808:808::1")  # 6to4 of a public address
    with pytest.raises(ValueError):
        is_public_address("erp.example.vn")


def test_each_secret_rotated_out_signs_until_its_own_grace_ends():
    start = datetime(2026, 12, 1, 1, tzinfo=UTC)
    first = after_rotation([], "whsec_first", start)
    second = after_rotation(first, "whsec_second", start + timedelta(hours=2))
    assert second == [
        ("whsec_first", start + ROTATION_GRACE),
        ("whsec_second", start + timedelta(hours=2) + ROTATION_GRACE),
    ]
    # The first one's grace ends before the second one's.
    later = start + ROTATION_GRACE + timedelta(minutes=1)
    assert secrets_in_grace(second, later) == second[1:]
    # A rotation drops what no longer signs.
    assert [s for s, _ in after_rotation(second, "whsec_third", later)] == [
        "whsec_second",
        "whsec_third",
    ]


def test_rotations_in_a_loop_keep_the_newest_few_secrets():
    now = datetime(2026, 12, 1, 1, tzinfo=UTC)
    kept: list[tuple[str, datetime]] = []
    for n in range(MAX_ROTATED_SECRETS + 3):
        kept = after_rotation(kept, f"whsec_{n}", now + timedelta(seconds=n))
    assert [s for s, _ in kept] == [f"whsec_{n}" for n in range(3, MAX_ROTATED_SECRETS + 3)]
