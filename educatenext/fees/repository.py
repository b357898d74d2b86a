"""Fee structures, invoices and payments of one institution."""

from educatenext.fees import balances
from educatenext.platform.mongo.repository import TenantRepository
from educatenext.platform.values import utcnow

BILLED = ["draft", "issued", "partially_paid", "paid"]  # every status but void


class FeeStructureRepository(TenantRepository):
    """What a school charges for a year: heads, instalments, the late-fee rule."""

    collection_name = "fee_structures"


class InvoiceRepository(TenantRepository):
    """One student's bill from one fee structure; paidMinor moves only with a payment."""

    collection_name = "invoices"

    def existing_students(self, structure_id, student_ids):
        """Which of these students already have an invoice from the structure."""
        query = {"structureId": structure_id, "studentId": {"$in": list(student_ids)}}
        return {doc["studentId"] for doc in self.find(query, projection={"studentId": 1})}

    def insert_tracked(self, document):
        """Insert one invoice and add it to the balance summaries (in the caller's transaction)."""
        self._need_transaction()
        inserted = self.insert(document)
        self.balances.move(None, inserted)
        return inserted

    def update(self, document_id, changes, *, extra_filter=None):
        """The base update, moving the balance summaries with it (in the caller's transaction)."""
        self._need_transaction()
        before = self.get(document_id)
        after = super().update(document_id, changes, extra_filter=extra_filter)
        if after is not None:
            self.balances.move(before, after)
        return after

    @property
    def balances(self):
        """The outstanding-balance summaries, in this repository's session."""
        return OutstandingBalanceRepository(self.scope, session=self.session)

    def _need_transaction(self):
        # Inside a transaction the read before a write is the state the write replaces: a
        # concurrent write to the same invoice aborts one of the two, which is retried whole.
        if self.session is None or not self.session.in_transaction:
            raise RuntimeError("an invoice write moves the balance summaries: use a transaction")

    def head_totals(self, academic_year):
        """Billed amount and invoice count per fee head for a year: one pipeline."""
        return self.aggregate([
            {"$match": {"academicYear": academic_year, "status": {"$in": BILLED}}},
            {"$unwind": "$lines"},
            {"$group": {"_id": "$lines.code", "name": {"$first": "$lines.name"},
                        "billed": {"$sum": "$lines.amountMinor"}, "invoices": {"$sum": 1}}},
            {"$sort": {"_id": 1}},
        ])  # fmt: skip

    def record_payment(self, invoice_id, amount_minor):
        """Add a payment to an open invoice if it fits in the balance; the new invoice or None.

        Two cashiers paying the same invoice at once cannot both fit, whatever the order: the
        caller's transaction turns the second write into a conflict, retried on what the
        first one left.
        """

        def fits(invoice):
            return (
                invoice["status"] in ("issued", "partially_paid")
                and invoice["paidMinor"] + amount_minor <= invoice["totalMinor"]
            )

        return self._moved_paid(invoice_id, amount_minor, fits)

    def record_refund(self, invoice_id, amount_minor):
        """Take a refund off what was paid, if that much was; the new invoice or None."""
        return self._moved_paid(
            invoice_id, -amount_minor, lambda invoice: invoice["paidMinor"] >= amount_minor
        )

    def _moved_paid(self, invoice_id, delta, allowed):
        """Move paidMinor by delta (and the status with it) if allowed(invoice); new or None.

        The check runs on the invoice as read, and the update lands only on the invoice as
        read: plain fields in the filter keep it an _id seek (a $expr filter is a collection
        scan on secantusdb, decision 0004). One read and one write.
        """
        self._need_transaction()
        before = self.find_one({"_id": invoice_id})
        if before is None or not allowed(before):
            return None
        paid = before["paidMinor"] + delta
        changes = {"paidMinor": paid, "status": _settled(before, paid), "updatedAt": utcnow()}
        as_read = {key: before[key] for key in ("_id", "paidMinor", "totalMinor", "status")}
        written = self.collection.update_one(
            self.scoped(as_read), {"$set": changes}, session=self.session
        )
        if not written.matched_count:
            return None  # changed since the read: in a transaction, a conflict raises first
        after = {**before, **changes}
        self.balances.move(before, after)
        return after


def _settled(invoice, paid):
    """The status paid gives an open invoice (void and draft stay as they are)."""
    if invoice["status"] not in ("issued", "partially_paid", "paid"):
        return invoice["status"]
    return "paid" if paid >= invoice["totalMinor"] else "partially_paid" if paid else "issued"


class OutstandingBalanceRepository(TenantRepository):
    """Per classroom and per student: open invoices' totals and payments by due date.

    Derived from invoices (fees.balances) and written only with them, so a cached response
    that read it goes stale with any invoice write.
    """

    collection_name = "outstanding_balances"
    cache_dependency = "invoices"
    emits_write_events = False

    def move(self, before, after):
        """Apply the difference an invoice write made (before/after: None when absent).

        A summary left with no open invoice holds only zeros and is removed, so every stored
        summary is a row of the report and a page needs no filter beyond its group.
        """
        now = utcnow()
        for (group, key), delta in balances.change(before, after).items():
            target = self.scoped({"group": group, "key": key})
            self.collection.update_one(
                target,
                {"$inc": delta, "$set": {"updatedAt": now}, "$setOnInsert": {"createdAt": now}},
                upsert=True,
                session=self.session,
            )
            if delta.get("openInvoices", 0) < 0:
                self._drop_if_settled(target)

    def _drop_if_settled(self, target):
        # Read, then delete by _id: a delete whose filter also names openInvoices is run by
        # secantusdb (decision 0004) as a scan of the collection when nothing matches.
        summary = self.collection.find_one(target, {"openInvoices": 1}, session=self.session)
        if summary is not None and summary["openInvoices"] <= 0:
            self.collection.delete_one(self.scoped({"_id": summary["_id"]}), session=self.session)

    def open_page(self, group, page, limit):
        """(summaries, total) of one group's classrooms or students, by key, for one page."""
        return self.page({"group": group}, sort=[("key", 1)], page=page, limit=limit,
                         projection={"key": 1, "dues": 1})  # fmt: skip


class PaymentRepository(TenantRepository):
    """Payments and refunds: entries are only ever added, never edited or removed."""

    collection_name = "payments"

    def refunded_minor(self, payment_id):
        """How much of a payment has been refunded so far."""
        refunds = self.find({"refundOf": payment_id}, projection={"amountMinor": 1})
        return sum(refund["amountMinor"] for refund in refunds)

    def per_day(self, start_day, end_day):
        """{(day, method, kind): (amount, entries)} between two days: one pipeline."""
        rows = self.aggregate([
            {"$match": {"day": {"$gte": start_day, "$lte": end_day}}},
            {"$group": {"_id": {"day": "$day", "method": "$method", "kind": "$kind"},
                        "total": {"$sum": "$amountMinor"}, "count": {"$sum": 1}}},
        ])  # fmt: skip
        return {
            (row["_id"]["day"], row["_id"]["method"], row["_id"]["kind"]): (
                row["total"],
                row["count"],
            )
            for row in rows
        }

    def per_month(self, year):
        """{("YYYY-MM", "payment" | "refund"): amount} for a calendar year: one pipeline."""
        rows = self.aggregate([
            {"$match": {"month": {"$gte": f"{year}-01", "$lte": f"{year}-12"}}},
            {"$group": {"_id": {"month": "$month", "kind": "$kind"},
                        "total": {"$sum": "$amountMinor"}}},
        ])  # fmt: skip
        return {(row["_id"]["month"], row["_id"]["kind"]): row["total"] for row in rows}

    def update(self, document_id, changes, *, extra_filter=None):
        """Refused: a payment is corrected by a refund entry, never edited."""
        raise PermissionError("payments are append-only")

    def update_many(self, filter_, changes):
        """Refused: a payment is corrected by a refund entry, never edited."""
        raise PermissionError("payments are append-only")
