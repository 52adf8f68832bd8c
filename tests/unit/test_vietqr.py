"""The VietQR payload (gate/domain/vietqr.py): built and read back, its CRC checked, a
published code read, the drawn QR image decoded back to the same payload."""

from __future__ import annotations

import pytest
import qrcode
import zxingcpp
from hypothesis import given
from hypothesis import strategies as st

from gate.config import SettingError, Settings
from gate.domain import vietqr
from gate.domain.vietqr import InvalidVietQR
from gate.payments.qr import payment_payload

# Published in subiz/vietqr's README (github.com/subiz/vietqr): 120,000 VND to account
# 0011001932418 at BIN 970415 (VietinBank), "ung ho lu lut"; its CRC is as published.
PUBLISHED = (
    "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA"
    "530370454061200005802VN62170813ung ho lu lut6304C15C"
)


def _built(amount: int = 150_000, reference: str = "HN2026000123") -> str:
    return vietqr.build(
        bank_bin="970436",
        account="0123456789",
        amount_vnd=amount,
        reference=reference,
        name="CUA KHAU SO VI DU",
        city="LANG SON",
    )


def test_a_published_vietqr_code_reads_to_its_amount_account_and_text() -> None:
    code = vietqr.read(PUBLISHED)
    assert code.bank_bin == "970415"
    assert code.account == "0011001932418"
    assert code.amount_vnd == 120_000
    assert code.dynamic is True


def test_the_crc_is_crc16_ccitt_false_as_published() -> None:
    assert vietqr.crc(PUBLISHED[:-4]) == "C15C"
    # CRC-16/CCITT-FALSE's check value, the CRC catalogue's "123456789" test.
    assert vietqr.crc("123456789") == "29B1"


def test_a_built_payload_has_the_napas_fields_in_order_and_its_crc() -> None:
    payload = _built()
    assert payload.startswith("000201010212")
    assert "0010A000000727" in payload
    assert "0208QRIBFTTA" in payload
    assert "5303704" in payload and "5406150000" in payload and "5802VN" in payload
    assert "62160812HN2026000123" in payload
    assert payload[-8:-4] == "6304"
    assert payload[-4:] == vietqr.crc(payload[:-4])


def test_a_built_payload_reads_back_to_its_amount_reference_and_payee() -> None:
    code = vietqr.read(_built())
    assert (code.amount_vnd, code.reference) == (150_000, "HN2026000123")
    assert (code.bank_bin, code.account) == ("970436", "0123456789")
    assert (code.name, code.city) == ("CUA KHAU SO VI DU", "LANG SON")


@given(
    amount=st.integers(min_value=1, max_value=10**13 - 1),
    reference=st.from_regex(r"[0-9A-Za-z]{1,25}", fullmatch=True),
    account=st.from_regex(r"[0-9A-Za-z]{1,19}", fullmatch=True),
    bank_bin=st.from_regex(r"[0-9]{6}", fullmatch=True),
)
def test_any_payload_built_reads_back_the_same(
    amount: int, reference: str, account: str, bank_bin: str
) -> None:
    payload = vietqr.build(
        bank_bin=bank_bin, account=account, amount_vnd=amount, reference=reference
    )
    code = vietqr.read(payload)
    assert (code.amount_vnd, code.reference) == (amount, reference)
    assert (code.bank_bin, code.account) == (bank_bin, account)


@given(position=st.integers(min_value=0), replacement=st.characters(codec="ascii"))
def test_any_character_changed_is_refused(position: int, replacement: str) -> None:
    payload = _built()
    at = position % len(payload)
    if payload[at] == replacement:
        return
    tampered = payload[:at] + replacement + payload[at + 1 :]
    with pytest.raises(InvalidVietQR):
        vietqr.read(tampered)


def test_a_changed_amount_fails_the_crc() -> None:
    tampered = _built().replace("5406150000", "5406100000")
    with pytest.raises(InvalidVietQR) as refused:
        vietqr.read(tampered)
    assert refused.value.why == "crc-mismatch"


def _signed(body: str) -> str:
    return body + "6304" + vietqr.crc(body + "6304")


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        (PUBLISHED[:-8], "crc-missing"),
        (_signed("000201010212380"), "truncated"),
        (_signed("0002010102123899A0"), "truncated"),
        (_signed("00020101021238xx"), "bad-length"),
        (_signed("000201000201"), "duplicate-field"),
        (_signed("00020101021253037045802VN"), "missing-field"),
        (_signed("000202"), "bad-value"),
        (
            _signed(
                "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA"
                "530384054061200005802VN"
            ),
            "bad-value",
        ),
        (
            _signed(
                "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA"
                "53037045406120.505802VN"
            ),
            "bad-value",
        ),
        (
            _signed(
                "0002010102123842" + "0010A000000000" + "012400069704150110012345678953037045802VN"
            ),
            "bad-value",
        ),
    ],
)
def test_a_broken_payload_is_refused_saying_why(payload: str, why: str) -> None:
    with pytest.raises(InvalidVietQR) as refused:
        vietqr.read(payload)
    assert refused.value.why == why


@pytest.mark.parametrize(
    "change",
    [
        {"bank_bin": "97043"},
        {"account": "0123-456"},
        {"amount_vnd": 0},
        {"amount_vnd": 10**13},
        {"reference": "HN-2026"},
        {"reference": "X" * 26},
        {"name": "Cửa khẩu"},
        {"city": "L" * 16},
    ],
)
def test_building_refuses_a_value_the_standard_cannot_carry(change: dict[str, object]) -> None:
    values: dict[str, object] = {
        "bank_bin": "970436",
        "account": "0123456789",
        "amount_vnd": 1000,
        "reference": "HN2026000123",
    }
    with pytest.raises(InvalidVietQR) as refused:
        vietqr.build(**{**values, **change})  # type: ignore[arg-type]
    assert refused.value.why == "bad-value"


def test_the_drawn_qr_code_decodes_back_to_the_payload() -> None:
    payload = _built(amount=2_500_000, reference="TT2026000042")
    image = qrcode.make(payload, box_size=4, border=4).get_image()
    found = zxingcpp.read_barcodes(image)
    assert [code.text for code in found] == [payload]
    code = vietqr.read(found[0].text)
    assert (code.amount_vnd, code.reference) == (2_500_000, "TT2026000042")


def test_a_fees_payload_pays_the_configured_account_against_the_invoice() -> None:
    settings = Settings(
        payment_bank_bin="970418", payment_account="21510000123456", payment_account_name="BQL"
    )
    code = vietqr.read(payment_payload(settings, 300_000, "HN2026000007"))
    assert (code.bank_bin, code.account, code.name) == ("970418", "21510000123456", "BQL")
    assert (code.amount_vnd, code.reference) == (300_000, "HN2026000007")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GATE_PAYMENT_BANK_BIN", "97041"),
        ("GATE_PAYMENT_ACCOUNT", "0123-4567"),
        ("GATE_PAYMENT_ACCOUNT_NAME", "Cửa khẩu số"),
        ("GATE_PAYMENT_FAKE_SECRET", "whsec_!!"),
    ],
)
def test_a_payee_setting_a_vietqr_cannot_carry_is_refused_at_start(
    variable: str, value: str
) -> None:
    with pytest.raises(SettingError) as refused:
        Settings.from_env({variable: value})
    assert refused.value.variable == variable
