"""Money as integer minor units (cents, paise, fils) of one ISO 4217 currency per school.

No float ever holds an amount. The rounding rules, each tested:
- a percentage discount is rounded half up to the minor unit (12.5% of 1,001 cents is 125);
- an amount split into instalments gives every instalment the same share, and the cents
  that do not divide evenly go one each to the first instalments (1,000 in 3 is 334, 333, 333),
  so the instalments always add up to the amount.
"""

from decimal import ROUND_HALF_UP, Decimal

# Minor-unit exponent per currency: the currencies schools on the platform bill in.
MINOR_UNITS = {
    "AED": 2, "AUD": 2, "BDT": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2, "EGP": 2,
    "EUR": 2, "GBP": 2, "GHS": 2, "HKD": 2, "IDR": 2, "INR": 2, "JOD": 3, "JPY": 0, "KES": 2,
    "KRW": 0, "KWD": 3, "LKR": 2, "MAD": 2, "MXN": 2, "MYR": 2, "NGN": 2, "NPR": 2, "NZD": 2,
    "OMR": 3, "PHP": 2, "PKR": 2, "QAR": 2, "SAR": 2, "SGD": 2, "THB": 2, "TRY": 2, "TZS": 2,
    "UGX": 0, "USD": 2, "VND": 0, "ZAR": 2,
}  # fmt: skip
DEFAULT_CURRENCY = "USD"
BASIS_POINTS = 10_000  # 100% as basis points: percentages are integers too
MAX_AMOUNT_MINOR = 10**12  # far above any school fee; keeps sums well inside int64


def percent_of(amount_minor, basis_points):
    """basis_points / 10,000 of an amount, rounded half up to the minor unit."""
    share = Decimal(amount_minor) * Decimal(basis_points) / Decimal(BASIS_POINTS)
    return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def split_evenly(amount_minor, parts):
    """The amount in `parts` instalments that add up to it; the first ones carry the remainder."""
    if parts < 1:
        raise ValueError("at least one instalment")
    share, remainder = divmod(amount_minor, parts)
    return [share + (1 if index < remainder else 0) for index in range(parts)]


def display(amount_minor, currency):
    """The amount as a person reads it: 1234.50 USD, 1235 JPY."""
    exponent = MINOR_UNITS[currency]
    value = Decimal(amount_minor).scaleb(-exponent)
    return f"{value:,.{exponent}f} {currency}"


def billed_lines(heads, fee_category):
    """The invoice lines of a student of a fee category: its amount per head, 0s left off."""
    lines = []
    for head in heads:
        amount = (head.get("categoryAmounts") or {}).get(fee_category, head["amountMinor"])
        if amount:
            lines.append({"code": head["code"], "name": head["name"], "amountMinor": amount})
    return lines
