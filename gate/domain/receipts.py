"""Cash receipts (biên lai thu tiền) for the border-gate infrastructure fee: their numbers, and
an amount written out in Vietnamese words as a receipt carries it ("Số tiền bằng chữ").

A receipt number is ``BL`` (biên lai) and the gate's invoice series, the year's last two
digits and an eight-digit sequence: ``BLHN2600000001``. Eight digits, not the invoice's seven,
on purpose: an invoice number is letters and exactly nine digits
(gate.domain.fees.INVOICE_NUMBER), and a payer who copies a receipt number into a bank
transfer must not have it read as an invoice (``find_invoice_numbers`` would otherwise find
``HN260000001`` inside ``BLHN260000001``, another crossing's invoice).
"""

from __future__ import annotations

import re

from gate.domain.errors import Conflict

RECEIPT_PREFIX = "BL"
RECEIPT_SEQUENCE_DIGITS = 8
RECEIPT_NUMBER = re.compile(r"^BL[A-Z]{2,6}[0-9]{10}$")

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_GROUPS = ("", "nghìn", "triệu", "tỷ")


def receipt_series(invoice_series: str) -> str:
    """The counter series of a gate's receipts: ``BL`` and its invoice series (``BLHN``),
    apart from every invoice series (gate/fees/invoices.py counts both in one table)."""
    return RECEIPT_PREFIX + invoice_series


def receipt_number(series: str, year: int, sequence: int) -> str:
    """The receipt number ``BLHN2600000001`` of ``series`` (``receipt_series``), a year and
    its sequence from 1. Conflict (``receipt-numbers-exhausted``) past the eight digits."""
    if sequence >= 10**RECEIPT_SEQUENCE_DIGITS:
        raise Conflict(
            "the receipt numbers of the year are exhausted", why="receipt-numbers-exhausted"
        )
    return f"{series}{year % 100:02d}{sequence:0{RECEIPT_SEQUENCE_DIGITS}d}"


def _hundreds(number: int, full: bool) -> list[str]:
    """Words of 0..999 inside a larger number; ``full``: a group after a higher one, whose
    missing hundreds and tens are said ("không trăm linh năm")."""
    hundreds, rest = divmod(number, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and (hundreds or full):
            words.append("linh")
    elif tens == 1:
        words.append("mười")
    else:
        words += [_DIGITS[tens], "mươi"]
    if units:
        if units == 1 and tens > 1:
            words.append("mốt")
        elif units == 5 and tens > 0:
            words.append("lăm")
        elif units == 4 and tens > 1:
            words.append("tư")
        else:
            words.append(_DIGITS[units])
    return words


def vnd_in_words(amount: int) -> str:
    """A whole amount of dong in Vietnamese words, capitalised, ending in "đồng", as a
    receipt writes it: 1500000 -> "Một triệu năm trăm nghìn đồng". Groups of three digits
    (nghìn, triệu, tỷ; past a thousand billion the word tỷ repeats, as in speech). ValueError
    for a negative amount."""
    if amount < 0:
        raise ValueError("an amount of money in words is not negative")
    if amount == 0:
        return "Không đồng"
    groups: list[int] = []
    rest = amount
    while rest:
        rest, group = divmod(rest, 1000)
        groups.append(group)
    words: list[str] = []
    for index in reversed(range(len(groups))):
        group = groups[index]
        if not group:
            continue
        words += _hundreds(group, full=bool(words))
        scale = _scale(index)
        if scale:
            words.append(scale)
    text = " ".join([*words, "đồng"])
    return text[0].upper() + text[1:]


def _scale(index: int) -> str:
    """The word of the ``index``-th group of three digits: nghìn, triệu, tỷ, then nghìn tỷ..."""
    if index == 0:
        return ""
    cycles, within = divmod(index, 3)
    if within == 0:
        return " ".join(["tỷ"] * cycles)
    return " ".join([_GROUPS[within]] + ["tỷ"] * cycles)
