"""Providers' adapters (gate/payments/providers/): a signed notification read, a bad one
refused."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from gate.config import Settings
from gate.domain.payments import (
    MAX_PAYMENT_VND,
    BadSignature,
    MalformedNotification,
    ProviderNotification,
    check_notification,
)
from gate.payments.providers import providers
from gate.payments.providers.fake import FakeProvider
from gate.payments.providers.payos import PayOS, signature

SECRET = "whsec_" + "c2VjcmV0LW9mLXRoZS1mYWtlLXByb3ZpZGVy"
NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)

# payOS's documentation's own example ("Kiểm tra dữ liệu với signature"): its checksum key,
# its webhook's data and the signature it publishes for them.
PAYOS_KEY = "1a54716c8f0efb2744fb28b6e38b25da7f67a925d98bc1c18bd8faaecadd7675"
PAYOS_DATA = {
    "orderCode": 123,
    "amount": 3000,
    "description": "VQRIO123",
    "accountNumber": "12345678",
    "reference": "TF230204212323",
    "transactionDateTime": "2023-02-04 18:25:00",
    "currency": "VND",
    "paymentLinkId": "124c33293c43417ab7879e14c8d9eb18",
    "code": "00",
    "desc": "Thành công",
    "counterAccountBankId": "",
    "counterAccountBankName": "",
    "counterAccountName": "",
    "counterAccountNumber": "",
    "virtualAccountName": "",
    "virtualAccountNumber": "",
}
PAYOS_SIGNATURE = "412e915d2871504ed31be63c8f62a149a4410d34c4c42affc9006ef9917eaa03"


def _fake(body: dict[str, object], *, at: datetime = NOW, secret: str = SECRET):
    text = json.dumps(body)
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign("msg_1", at, text),
    }
    return headers, text.encode()


PAID = {
    "transaction_id": "FT26334123",
    "amount_vnd": 150_000,
    "reference": "HN2026000123 thanh toan phi",
    "paid_at": "2026-11-30T09:58:00+07:00",
    "payer_account": "19031234567",
}


def test_the_fake_providers_signed_notification_is_read() -> None:
    headers, body = _fake(PAID)
    notice = FakeProvider(SECRET).verify(headers, body, NOW)
    assert (notice.provider, notice.transaction_id) == ("fake", "FT26334123")
    assert (notice.amount_vnd, notice.reference) == (150_000, "HN2026000123 thanh toan phi")
    assert notice.paid_at == datetime(2026, 11, 30, 2, 58, tzinfo=UTC)
    assert notice.payer_account == "19031234567"


@pytest.mark.parametrize(
    "spoil",
    [
        lambda h, b: ({**h, "webhook-signature": "v1,AAAA"}, b),
        lambda h, b: (h, b.replace(b"150000", b"950000")),
        lambda h, b: ({k: v for k, v in h.items() if k != "webhook-signature"}, b),
        lambda h, b: ({**h, "webhook-timestamp": "soon"}, b),
        lambda h, b: ({**h, "webhook-signature": "v2," + h["webhook-signature"][3:]}, b),
        lambda h, b: ({**h, "webhook-signature": "v1,not base64!"}, b),
        lambda h, b: (h, b"\xff" + b),
    ],
)
def test_a_fake_notification_not_signed_as_sent_is_refused(spoil) -> None:
    headers, body = spoil(*_fake(PAID))
    with pytest.raises(BadSignature):
        FakeProvider(SECRET).verify(headers, body, NOW)


def test_a_fake_notification_signed_with_another_secret_is_refused() -> None:
    headers, body = _fake(PAID, secret="whsec_" + "b3RoZXItc2VjcmV0")
    with pytest.raises(BadSignature):
        FakeProvider(SECRET).verify(headers, body, NOW)


@pytest.mark.parametrize("off", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_a_fake_notification_signed_too_long_ago_or_ahead_is_refused(off: timedelta) -> None:
    headers, body = _fake(PAID, at=NOW + off)
    with pytest.raises(BadSignature):
        FakeProvider(SECRET).verify(headers, body, NOW)


@pytest.mark.parametrize(
    "body",
    [
        {**PAID, "amount_vnd": 0},
        {**PAID, "amount_vnd": "150000"},
        {**PAID, "transaction_id": ""},
        {**PAID, "transaction_id": "T" * 81},
        {**PAID, "paid_at": "2026-11-30T09:58:00"},
        {k: v for k, v in PAID.items() if k != "reference"},
        {**PAID, "surprise": 1},
    ],
)
def test_a_signed_fake_notification_of_another_shape_is_malformed(
    body: dict[str, object],
) -> None:
    headers, raw = _fake(body)
    with pytest.raises(MalformedNotification):
        FakeProvider(SECRET).verify(headers, raw, NOW)


def test_payos_documented_example_signature_is_reproduced() -> None:
    assert signature(PAYOS_DATA, PAYOS_KEY) == PAYOS_SIGNATURE


def test_payos_documented_webhook_is_read_in_utc() -> None:
    body = {"code": "00", "desc": "success", "success": True, "data": PAYOS_DATA}
    body["signature"] = PAYOS_SIGNATURE
    notice = PayOS(PAYOS_KEY).verify({}, json.dumps(body).encode(), NOW)
    assert (notice.provider, notice.transaction_id) == ("payos", "TF230204212323")
    assert (notice.amount_vnd, notice.reference) == (3000, "VQRIO123")
    assert notice.paid_at == datetime(2023, 2, 4, 11, 25, tzinfo=UTC)
    assert notice.payer_account is None


@pytest.mark.parametrize(
    "body",
    [
        {"data": {**PAYOS_DATA, "amount": 30000}, "signature": PAYOS_SIGNATURE},
        {"data": PAYOS_DATA, "signature": "0" * 64},
        {"data": PAYOS_DATA},
        {"signature": PAYOS_SIGNATURE},
        [PAYOS_DATA],
    ],
)
def test_a_payos_webhook_not_signed_by_its_key_is_refused(body: object) -> None:
    with pytest.raises(BadSignature):
        PayOS(PAYOS_KEY).verify({}, json.dumps(body).encode(), NOW)


@pytest.mark.parametrize(
    "change",
    [{"code": "01"}, {"amount": -5}, {"reference": None}, {"transactionDateTime": "4/2/2023"}],
)
def test_a_signed_payos_webhook_of_no_payment_is_malformed(change: dict[str, object]) -> None:
    data = {**PAYOS_DATA, **change}
    body = {"code": "00", "data": data, "signature": signature(data, PAYOS_KEY)}
    with pytest.raises(MalformedNotification):
        PayOS(PAYOS_KEY).verify({}, json.dumps(body).encode(), NOW)


def test_a_payos_body_that_is_not_json_is_malformed() -> None:
    with pytest.raises(MalformedNotification):
        PayOS(PAYOS_KEY).verify({}, b"{not json", NOW)


def test_only_the_providers_with_a_key_are_on() -> None:
    assert providers(Settings()) == {}
    both = providers(Settings(payment_fake_secret=SECRET, payment_payos_checksum_key=PAYOS_KEY))
    assert sorted(both) == ["fake", "payos"]


def test_a_timestamp_past_any_calendar_is_a_bad_signature_not_a_crash() -> None:
    headers, body = _fake(PAID)
    headers["webhook-timestamp"] = "99999999999999999999"
    with pytest.raises(BadSignature):
        FakeProvider(SECRET).verify(headers, body, NOW)


def test_payos_year_one_is_malformed_not_a_crash() -> None:
    data = {**PAYOS_DATA, "transactionDateTime": "0001-01-01 00:00:00"}
    body = json.dumps(
        {
            "code": "00",
            "desc": "success",
            "success": True,
            "data": data,
            "signature": signature(data, PAYOS_KEY),
        }
    ).encode()
    with pytest.raises(MalformedNotification):
        PayOS(PAYOS_KEY).verify({}, body, NOW)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount_vnd": MAX_PAYMENT_VND + 1}, "amount_vnd"),
        ({"amount_vnd": 2**63 - 1}, "amount_vnd"),
        ({"paid_at": NOW + timedelta(minutes=6)}, "paid_at"),
        ({"paid_at": NOW - timedelta(days=36)}, "paid_at"),
        ({"transaction_id": "FT\x00"}, "transaction_id"),
        ({"reference": "HN260000123\x00"}, "reference"),
    ],
)
def test_a_notification_outside_the_platforms_bounds_is_refused(
    change: dict[str, object], field: str
) -> None:
    notice = ProviderNotification(
        provider="fake",
        transaction_id="FT1",
        amount_vnd=150_000,
        reference="HN260000123",
        paid_at=NOW - timedelta(minutes=1),
    )
    with pytest.raises(MalformedNotification) as refused:
        check_notification(replace(notice, **change), NOW)  # type: ignore[arg-type]
    assert refused.value.extensions.get("field") == field
    assert check_notification(notice, NOW) == notice
