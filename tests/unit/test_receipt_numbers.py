"""Cash receipts' numbers and an amount in Vietnamese words (gate/domain/receipts.py)."""

from __future__ import annotations

import pytest

from gate.domain.errors import Conflict
from gate.domain.fees import find_invoice_numbers
from gate.domain.receipts import RECEIPT_NUMBER, receipt_number, receipt_series, vnd_in_words


def test_a_receipt_number_is_bl_the_gate_series_the_year_and_eight_digits() -> None:
    number = receipt_number(receipt_series("HN"), 2026, 1)

    assert number == "BLHN2600000001"
    assert RECEIPT_NUMBER.match(number)


def test_a_receipt_number_copied_into_a_transfer_is_never_read_as_an_invoice() -> None:
    assert find_invoice_numbers(f"CK {receipt_number('BLHN', 2026, 123)}") == []


def test_the_year_s_receipt_numbers_run_out_after_eight_digits() -> None:
    with pytest.raises(Conflict):
        receipt_number("BLHN", 2026, 10**8)


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (15, "Mười lăm đồng"),
        (21, "Hai mươi mốt đồng"),
        (105, "Một trăm linh năm đồng"),
        (1_500_000, "Một triệu năm trăm nghìn đồng"),
        (1_200_000, "Một triệu hai trăm nghìn đồng"),
        (2_024_000, "Hai triệu không trăm hai mươi tư nghìn đồng"),
        (1_000_005, "Một triệu không trăm linh năm đồng"),
        (35_000_000, "Ba mươi lăm triệu đồng"),
        (1_000_000_000, "Một tỷ đồng"),
    ],
)
def test_an_amount_is_written_in_vietnamese_words_as_a_receipt_writes_it(
    amount: int, words: str
) -> None:
    assert vnd_in_words(amount) == words


def test_a_negative_amount_has_no_words() -> None:
    with pytest.raises(ValueError):
        vnd_in_words(-1)
