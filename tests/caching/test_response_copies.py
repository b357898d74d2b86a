"""A worker's local copies of cached responses: bounded by size, never past their TTL."""

import time

from educatenext.caching.response_copies import OVERHEAD_BYTES, ResponseCopies, size_of
from educatenext.caching.responses import Entry


def entry(body=b"x" * 100, expires_in=60.0):
    return Entry((), (), "f", 200, body, (("Content-Type", "application/json"),),
                 expires_at=time.time() + expires_in)  # fmt: skip


def test_the_least_recently_used_copy_goes_first_when_full():
    one, two, three = entry(), entry(), entry()
    copies = ResponseCopies(max_bytes=2 * size_of(one))
    copies.put("one", one)
    copies.put("two", two)
    assert copies.get("one") is one  # "two" is now the least recently used
    copies.put("three", three)
    assert copies.get("two") is None
    assert copies.get("one") is one
    assert copies.get("three") is three
    assert copies.size == 2 * size_of(one)


def test_a_replaced_copy_is_counted_once():
    copies = ResponseCopies(max_bytes=10_000)
    copies.put("key", entry())
    copies.put("key", entry(body=b"y" * 300))
    assert copies.size == 300 + len("Content-Type") + len("application/json") + OVERHEAD_BYTES


def test_expired_oversized_and_old_entries_are_not_kept():
    copies = ResponseCopies(max_bytes=1_000)
    copies.put("expired", entry(expires_in=-1))
    copies.put("too big", entry(body=b"z" * 1_000))
    copies.put("old", Entry((), (), "f", 200, b"{}", ()))  # stored before expires_at existed
    assert not copies.entries
    assert copies.size == 0


def test_a_copy_expires_with_its_entry_and_can_be_discarded():
    copies = ResponseCopies(max_bytes=10_000)
    copies.put("soon", entry(expires_in=0.05))
    copies.put("later", entry())
    time.sleep(0.06)
    assert copies.get("soon") is None
    copies.discard("later")
    copies.discard("never stored")
    assert copies.get("later") is None
    assert copies.size == 0


def test_a_store_of_size_zero_keeps_nothing():
    copies = ResponseCopies(max_bytes=0)
    copies.put("key", entry())
    assert copies.get("key") is None
