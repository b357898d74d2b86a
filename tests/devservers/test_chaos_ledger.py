"""The chaos ledger owes only what was acknowledged before it looked at the database."""

import threading
from types import SimpleNamespace

import mongomock
from bson import ObjectId

from devservers import chaos


def test_a_write_acknowledged_while_the_ledger_reads_is_not_counted_lost(monkeypatch):
    db = mongomock.MongoClient().db
    early = chaos.LedgerEntry("Ledger run1 000001", "k1", attempts=1)
    late = chaos.LedgerEntry("Ledger run1 000002", "k2", attempts=1)
    early.assignment_id = str(db.assignments.insert_one({"title": early.title}).inserted_id)
    load = SimpleNamespace(run_id="run1", ledger=[early, late], lock=threading.Lock(), token="t")
    real_find = db.assignments.find

    def find_while_a_writer_lands(*args, **kwargs):
        """The read sees the collection as it was, then the second write is acknowledged."""
        cursor = list(real_find(*args, **kwargs))
        late.assignment_id = str(ObjectId())
        db.assignments.insert_one({"_id": ObjectId(late.assignment_id), "title": late.title})
        return cursor

    monkeypatch.setattr(db.assignments, "find", find_while_a_writer_lands)
    monkeypatch.setattr(chaos, "request", lambda *args, **kwargs: (200, {}, {}, 0.0))

    ledger = chaos.check_ledger(SimpleNamespace(db=db, port=0), load)

    assert (ledger["acknowledged"], ledger["lost"], ledger["unreadable"]) == (1, 0, 0)


def test_an_acknowledged_write_missing_from_the_database_is_counted_lost(monkeypatch):
    db = mongomock.MongoClient().db
    entry = chaos.LedgerEntry("Ledger run2 000001", "k1", attempts=1)
    entry.assignment_id = str(ObjectId())
    load = SimpleNamespace(run_id="run2", ledger=[entry], lock=threading.Lock(), token="t")
    monkeypatch.setattr(chaos, "request", lambda *args, **kwargs: (404, {}, {}, 0.0))

    ledger = chaos.check_ledger(SimpleNamespace(db=db, port=0), load)

    assert (ledger["acknowledged"], ledger["lost"], ledger["unreadable"]) == (1, 1, 2)
