"""What the fee tests share: a year's structure and fresh Idempotency-Keys."""

STRUCTURE = {
    "name": "Grade 6 2025-2026",
    "academicYear": "2025-2026",
    "heads": [
        {"code": "tuition", "name": "Tuition", "amountMinor": 100_000},
        {"code": "transport", "name": "Bus", "amountMinor": 20_001},
    ],
    "instalments": [
        {"dueDate": "2025-09-15"},
        {"dueDate": "2026-01-15"},
        {"dueDate": "2026-04-15"},
    ],
    "lateFee": {"amountMinor": 2_500, "graceDays": 14},
}
KEYS = iter(f"pay-key-{n:06d}" for n in range(10**6))


def keyed(key=None):
    """Headers with an Idempotency-Key (a fresh one unless given)."""
    return {"Idempotency-Key": key or next(KEYS)}
