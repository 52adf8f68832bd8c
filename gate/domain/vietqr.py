"""VietQR (mã VietQR): the payload of a bank-transfer QR code, built and read.

Sources: EMVCo, *QR Code Specification for Payment Systems: Merchant-Presented Mode* (EMV
QRCPS MPM, v1.1): the ID-length-value data objects, the root IDs (00 payload format "01",
01 point of initiation "11" static / "12" dynamic, 53 currency, 54 amount, 58 country, 59
name, 60 city, 62 additional data, 63 CRC) and the CRC (ISO/IEC 13239, polynomial 0x1021,
initial 0xFFFF, over the whole payload up to and including "6304", written as four
upper-case hex digits: CRC-16/CCITT-FALSE, which is ``binascii.crc_hqx(data, 0xFFFF)``).
NAPAS, *Technical Specifications on NAPAS QR Switching, Part IV: QR Code Format* (v1.5.2,
2021): the merchant account template 38 (00 GUID "A000000727"; 01 beneficiary
organisation, itself 00 acquirer BIN of 6 digits and 01 account number; 02 service code
"QRIBFTTA", a transfer to an account), currency "704" (VND, ISO 4217), country "VN", and 62's
sub-field 08 (purpose of transaction), where the platform writes the invoice number so that
the transfer's free text carries it back to us.

A length is a count of characters of the value, two digits, 01 to 99. The platform writes
ASCII only (an invoice number is letters and digits; a name without its diacritics, as bank
apps show it), so characters and bytes agree; the reader takes any text and checks the CRC
over its UTF-8 bytes.

Every refusal is an InvalidVietQR with a ``why``: ``crc-missing`` (no "6304" and four hex
digits at the end), ``crc-mismatch`` (the digits are not the CRC of the rest: a payload
changed or misread), ``truncated`` (an ID or length runs past the end), ``bad-length`` (a
length is not two digits from 01), ``duplicate-field``, ``missing-field``, ``bad-value``
(a field present but not as the standard writes it); ``detail`` names the field.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass

from gate.domain.errors import ValidationFailed

NAPAS_GUID = "A000000727"
# Inter-bank fund transfer 24/7 to an account (NAPAS 247); "QRIBFTTC" would be to a card.
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY_VN = "VN"
STATIC = "11"
DYNAMIC = "12"

# EMVCo's and NAPAS's lengths: amount up to 13 characters, name 25, city 15, purpose 25;
# an account number up to 19 (NAPAS), a BIN of 6 digits.
MAX_AMOUNT_CHARS = 13
MAX_NAME = 25
MAX_CITY = 15
MAX_PURPOSE = 25
MAX_ACCOUNT = 19

_BIN = re.compile(r"\d{6}")
_ACCOUNT = re.compile(rf"[0-9A-Za-z]{{1,{MAX_ACCOUNT}}}")
_PURPOSE = re.compile(rf"[0-9A-Za-z]{{1,{MAX_PURPOSE}}}")
_CRC_TAIL = re.compile(r"6304([0-9A-Fa-f]{4})\Z")


class InvalidVietQR(ValidationFailed):
    """A VietQR payload that cannot be built or read; ``why`` says which rule it breaks."""

    code = "invalid-vietqr"
    title = "Not a valid VietQR payload"


@dataclass(frozen=True, slots=True)
class VietQR:
    """What a VietQR payload says: ``bank_bin`` (the payee's bank, 6 digits), ``account`` (the
    payee's account number), ``amount_vnd`` (whole đồng; None in a static code, where the
    payer types it), ``reference`` (62/08, the purpose: our invoice number; None if absent),
    ``name`` and ``city`` (59, 60; None if absent), ``dynamic`` (01 is "12": one payment)."""

    bank_bin: str
    account: str
    amount_vnd: int | None
    reference: str | None
    name: str | None = None
    city: str | None = None
    dynamic: bool = True


def crc(text: str) -> str:
    """CRC-16/CCITT-FALSE of ``text``'s UTF-8 bytes as EMVCo writes it: 4 upper-case hex."""
    return f"{binascii.crc_hqx(text.encode(), 0xFFFF):04X}"


def _field(tag: str, value: str) -> str:
    if not 1 <= len(value) <= 99:
        raise InvalidVietQR(f"field {tag} must be 1 to 99 characters", why="bad-length")
    return f"{tag}{len(value):02d}{value}"


def _ascii(value: str, what: str, limit: int) -> str:
    if not value.isascii() or not value.isprintable() or not 1 <= len(value) <= limit:
        raise InvalidVietQR(f"{what} must be 1 to {limit} printable ASCII", why="bad-value")
    return value


def build(
    *,
    bank_bin: str,
    account: str,
    amount_vnd: int,
    reference: str,
    name: str | None = None,
    city: str | None = None,
) -> str:
    """The dynamic VietQR payload for one transfer of ``amount_vnd`` (whole đồng, above 0) to
    ``account`` at the bank ``bank_bin`` (6 digits), with ``reference`` (letters and digits, up to
    25: the invoice number) as its purpose; ``name`` (up to 25) and ``city`` (up to 15)
    printable ASCII when given. InvalidVietQR (why ``bad-value``) naming the value refused."""
    if not _BIN.fullmatch(bank_bin):
        raise InvalidVietQR("the bank BIN must be 6 digits", why="bad-value")
    if not _ACCOUNT.fullmatch(account):
        raise InvalidVietQR(
            f"the account number must be 1 to {MAX_ACCOUNT} letters or digits", why="bad-value"
        )
    if isinstance(amount_vnd, bool) or not 0 < amount_vnd < 10**MAX_AMOUNT_CHARS:
        raise InvalidVietQR("the amount must be whole VND above 0", why="bad-value")
    if not _PURPOSE.fullmatch(reference):
        raise InvalidVietQR(
            f"the reference must be 1 to {MAX_PURPOSE} letters or digits", why="bad-value"
        )
    beneficiary = _field("00", bank_bin) + _field("01", account)
    merchant = _field("00", NAPAS_GUID) + _field("01", beneficiary)
    merchant += _field("02", SERVICE_TO_ACCOUNT)
    payload = (
        _field("00", "01")
        + _field("01", DYNAMIC)
        + _field("38", merchant)
        + _field("53", CURRENCY_VND)
        + _field("54", str(amount_vnd))
        + _field("58", COUNTRY_VN)
    )
    if name is not None:
        payload += _field("59", _ascii(name, "the name", MAX_NAME))
    if city is not None:
        payload += _field("60", _ascii(city, "the city", MAX_CITY))
    payload += _field("62", _field("08", reference)) + "6304"
    return payload + crc(payload)


def fields(text: str, where: str = "the payload") -> dict[str, str]:
    """The ID-length-value data objects of ``text`` in order, ID to value. InvalidVietQR:
    ``truncated``, ``bad-length`` or ``duplicate-field``, naming ``where``."""
    found: dict[str, str] = {}
    at = 0
    while at < len(text):
        if at + 4 > len(text):
            raise InvalidVietQR(f"{where} ends inside a field's ID or length", why="truncated")
        tag, length = text[at : at + 2], text[at + 2 : at + 4]
        if not (tag.isdigit() and tag.isascii()):
            raise InvalidVietQR(f"{where}: {tag!r} is not a field ID", why="bad-length")
        if not (length.isdigit() and length.isascii()) or length == "00":
            raise InvalidVietQR(f"{where}: field {tag}'s length {length!r}", why="bad-length")
        end = at + 4 + int(length)
        if end > len(text):
            raise InvalidVietQR(f"{where}: field {tag} runs past the end", why="truncated")
        if tag in found:
            raise InvalidVietQR(f"{where}: field {tag} appears twice", why="duplicate-field")
        found[tag] = text[at + 4 : end]
        at = end
    return found


def _required(found: dict[str, str], tag: str, where: str) -> str:
    if tag not in found:
        raise InvalidVietQR(f"{where} has no field {tag}", why="missing-field")
    return found[tag]


def _expect(value: str, wanted: str, what: str) -> None:
    if value != wanted:
        raise InvalidVietQR(f"{what} is {value!r}, not {wanted!r}", why="bad-value")


def read(payload: str) -> VietQR:
    """What ``payload`` (a scanned VietQR text) says, its CRC verified first, then each
    field the standard requires: payload format "01", merchant account 38 with NAPAS's GUID
    and a beneficiary (a 6-digit BIN and an account number), currency "704", country "VN".
    Initiation (01) "11" or "12"; an amount (54) only as whole đồng. InvalidVietQR with its
    ``why`` (the module's docstring lists them)."""
    tail = _CRC_TAIL.search(payload)
    if tail is None:
        raise InvalidVietQR("the payload does not end with the CRC field 63", why="crc-missing")
    if tail.group(1).upper() != crc(payload[: tail.start(1)]):
        raise InvalidVietQR("the CRC does not match the payload", why="crc-mismatch")
    found = fields(payload[: tail.start()])
    _expect(_required(found, "00", "the payload"), "01", "the payload format (00)")
    initiation = found.get("01", STATIC)
    if initiation not in (STATIC, DYNAMIC):
        raise InvalidVietQR(f"the initiation (01) is {initiation!r}", why="bad-value")
    merchant = fields(_required(found, "38", "the payload"), "the merchant account (38)")
    _expect(_required(merchant, "00", "field 38"), NAPAS_GUID, "the GUID (38/00)")
    beneficiary = fields(_required(merchant, "01", "field 38"), "the beneficiary (38/01)")
    bank = _required(beneficiary, "00", "field 38/01")
    if not _BIN.fullmatch(bank):
        raise InvalidVietQR(f"the BIN (38/01/00) is {bank!r}, not 6 digits", why="bad-value")
    account = _required(beneficiary, "01", "field 38/01")
    if len(account) > MAX_ACCOUNT:
        raise InvalidVietQR("the account number (38/01/01) is too long", why="bad-value")
    _expect(_required(found, "53", "the payload"), CURRENCY_VND, "the currency (53)")
    _expect(_required(found, "58", "the payload"), COUNTRY_VN, "the country (58)")
    amount = found.get("54")
    if amount is not None and not (amount.isdigit() and amount.isascii() and int(amount) > 0):
        raise InvalidVietQR(f"the amount (54) is {amount!r}, not whole VND", why="bad-value")
    extra = fields(found["62"], "the additional data (62)") if "62" in found else {}
    return VietQR(
        bank_bin=bank,
        account=account,
        amount_vnd=int(amount) if amount is not None else None,
        reference=extra.get("08"),
        name=found.get("59"),
        city=found.get("60"),
        dynamic=initiation == DYNAMIC,
    )
