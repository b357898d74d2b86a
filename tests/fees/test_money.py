"""Money in integer minor units: the rounding rules fees rely on."""

import pytest

from educatenext.fees.money import billed_lines, display, percent_of, split_evenly


def test_a_percentage_rounds_half_up_to_the_minor_unit():
    assert percent_of(1001, 1250) == 125  # 125.125 cents
    assert percent_of(1004, 1250) == 126  # 125.5 cents: half goes up
    assert percent_of(999, 10_000) == 999
    assert percent_of(1, 4999) == 0


@pytest.mark.parametrize(("amount", "parts"), [(1000, 3), (100_001, 12), (7, 7), (5, 8)])
def test_instalments_add_up_and_the_first_carry_the_remainder(amount, parts):
    shares = split_evenly(amount, parts)
    assert sum(shares) == amount
    assert len(shares) == parts
    assert max(shares) - min(shares) <= 1
    assert shares == sorted(shares, reverse=True)


def test_split_needs_an_instalment_and_amounts_display_in_their_currency():
    assert split_evenly(1000, 3) == [334, 333, 333]
    with pytest.raises(ValueError, match="instalment"):
        split_evenly(1000, 0)
    assert display(123450, "USD") == "1,234.50 USD"
    assert display(1235, "JPY") == "1,235 JPY"
    assert display(1005, "KWD") == "1.005 KWD"


def test_a_fee_category_pays_its_amounts_and_a_head_of_zero_is_left_off():
    heads = [
        {"code": "tuition", "name": "Tuition", "amountMinor": 1000,
         "categoryAmounts": {"staff_child": 0, "sibling": 900}},
        {"code": "exam", "name": "Exam", "amountMinor": 50},
    ]  # fmt: skip
    assert [line["amountMinor"] for line in billed_lines(heads, None)] == [1000, 50]
    assert [line["amountMinor"] for line in billed_lines(heads, "sibling")] == [900, 50]
    assert [line["code"] for line in billed_lines(heads, "staff_child")] == ["exam"]
    assert [line["amountMinor"] for line in billed_lines(heads, "unknown")] == [1000, 50]
