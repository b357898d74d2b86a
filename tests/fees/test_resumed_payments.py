"""A payment whose commit landed but whose answer was lost (worker killed) charges once on retry."""

from datetime import datetime

import pytest
from bson import ObjectId
from pymongo.errors import OperationFailure

from educatenext.fees.repository import PaymentRepository
from educatenext.idempotency.repository import IdempotencyRepository
from tests.fees.support import keyed

pytestmark = pytest.mark.mongo


def lose_the_answer(monkeypatch):
    """The attempt commits, then its worker 'dies' before completing the idempotency record."""
    monkeypatch.setattr(IdempotencyRepository, "complete", lambda *args: None)


def expire_leases(db):
    """The dead attempt's lease runs out, so the next retry takes the request over."""
    db.idempotency_keys.update_many({}, {"$set": {"leaseUntil": datetime(2000, 1, 1)}})


def receipt_counter(db):
    return db.counters.find_one({"_id": {"$regex": ":receipt$"}})["value"]


def test_a_retry_after_a_lost_answer_returns_the_payment_and_moves_the_invoice_once(
    api, billed, db, monkeypatch
):
    cashier = api("cashier")
    invoice = billed["batch"]["invoices"][5]
    body = {"invoiceId": invoice["id"], "amountMinor": 7_000, "method": "cash"}
    lose_the_answer(monkeypatch)
    first = cashier.post("/fees/payments", headers=keyed("lost-answer-1"), json=body)
    monkeypatch.undo()
    assert first.status_code == 201  # committed; the client never saw it
    counter = receipt_counter(db)
    expire_leases(db)

    retried = cashier.post("/fees/payments", headers=keyed("lost-answer-1"), json=body)

    assert retried.status_code == 201, retried.get_json()
    assert retried.get_json()["payment"] == first.get_json()["payment"]
    assert retried.get_json()["invoice"]["paidMinor"] == 7_000
    assert db.payments.count_documents({"invoiceId": ObjectId(invoice["id"])}) == 1
    assert db.invoices.find_one({"_id": ObjectId(invoice["id"])})["paidMinor"] == 7_000
    assert receipt_counter(db) == counter  # no receipt number burnt


def test_a_retry_after_a_lost_refund_answer_refunds_once(api, billed, db, monkeypatch):
    invoice = billed["batch"]["invoices"][6]
    paid = api("cashier").post(
        "/fees/payments", headers=keyed(),
        json={"invoiceId": invoice["id"], "amountMinor": 9_000, "method": "cash"},
    ).get_json()["payment"]  # fmt: skip
    path, body = f"/fees/payments/{paid['id']}/refunds", {"amountMinor": 4_000, "reason": "Bus"}
    lose_the_answer(monkeypatch)
    first = api("finance").post(path, headers=keyed("lost-refund-1"), json=body)
    monkeypatch.undo()
    expire_leases(db)

    retried = api("finance").post(path, headers=keyed("lost-refund-1"), json=body)

    assert (first.status_code, retried.status_code) == (201, 201)
    assert retried.get_json()["payment"]["id"] == first.get_json()["payment"]["id"]
    assert db.payments.count_documents({"refundOf": ObjectId(paid["id"])}) == 1
    assert db.invoices.find_one({"_id": ObjectId(invoice["id"])})["paidMinor"] == 5_000


def test_a_retried_transaction_stamps_its_insert_as_the_first_try_would(
    api, billed, db, monkeypatch
):
    """A transient conflict reruns the transaction; its payment still carries request key n=1,
    so a crash after that commit is still found by the re-run."""
    invoice = billed["batch"]["invoices"][7]
    real_insert, calls = PaymentRepository.insert, []

    def conflict_once_after_the_insert(self, document):
        calls.append(document)
        inserted = real_insert(self, document)
        if len(calls) == 1:
            raise OperationFailure(
                "write conflict", code=112, details={"errorLabels": ["TransientTransactionError"]}
            )
        return inserted

    monkeypatch.setattr(PaymentRepository, "insert", conflict_once_after_the_insert)
    lose_the_answer(monkeypatch)
    body = {"invoiceId": invoice["id"], "amountMinor": 1_000, "method": "cash"}
    first = api("cashier").post("/fees/payments", headers=keyed("retried-txn-1"), json=body)
    monkeypatch.undo()
    assert first.status_code == 201
    assert len(calls) == 2
    assert db.payments.find_one({"invoiceId": ObjectId(invoice["id"])})["requestKey"].endswith(":1")
    expire_leases(db)

    retried = api("cashier").post("/fees/payments", headers=keyed("retried-txn-1"), json=body)

    assert retried.get_json()["payment"]["id"] == first.get_json()["payment"]["id"]
    assert db.invoices.find_one({"_id": ObjectId(invoice["id"])})["paidMinor"] == 1_000
