"""Fees: structures, invoices (one per student and structure), payments (unique receipts),
expenses and the month indexes of the income vs expense summary.

Schools created before fees bill in USD until an admin sets their currency (it is fixed once
a fee structure exists).
"""

from pymongo import ASCENDING as ASC
from pymongo import IndexModel

from educatenext.platform.mongo.migrations import create_indexes, drop_indexes


def _listed(prefix, *fields):
    """A list index: tenant, the filter fields, then the default order (createdAt, _id)."""
    keys = [("institutionId", ASC), *((field, ASC) for field in fields)]
    keys += [("createdAt", ASC), ("_id", ASC)]
    return IndexModel(keys, name="_".join([prefix, "tenant", *fields, "created"]))


INDEXES = {
    "fee_structures": [
        _listed("fee_structures"),
        _listed("fee_structures", "academicYear"),
        _listed("fee_structures", "status"),
    ],
    "invoices": [
        IndexModel(
            [("institutionId", ASC), ("structureId", ASC), ("studentId", ASC)],
            name="invoices_once_per_student_unique",
            unique=True,
        ),
        IndexModel(
            [("institutionId", ASC), ("number", ASC)], name="invoices_number_unique", unique=True
        ),
        _listed("invoices"),
        _listed("invoices", "studentId"),
        _listed("invoices", "classroomId"),
        _listed("invoices", "status"),
        _listed("invoices", "academicYear"),
    ],
    "payments": [
        IndexModel(
            [("institutionId", ASC), ("receiptNumber", ASC)],
            name="payments_receipt_unique",
            unique=True,
        ),
        IndexModel([("institutionId", ASC), ("refundOf", ASC)], name="payments_refunds"),
        _listed("payments"),
        _listed("payments", "invoiceId"),
        _listed("payments", "studentId"),
        IndexModel([("institutionId", ASC), ("month", ASC)], name="payments_tenant_month"),
        IndexModel([("institutionId", ASC), ("day", ASC)], name="payments_tenant_day"),
    ],
    "expenses": [
        _listed("expenses"),
        _listed("expenses", "status"),
        _listed("expenses", "category"),
        IndexModel(
            [("institutionId", ASC), ("status", ASC), ("month", ASC)],
            name="expenses_tenant_status_month",
        ),
    ],
}


def up(db):
    """Create the indexes; give schools without a currency the default one."""
    create_indexes(db, INDEXES)
    db.institutions.update_many({"currency": {"$exists": False}}, {"$set": {"currency": "USD"}})


def down(db):
    """Drop the indexes (the documents stay)."""
    drop_indexes(db, INDEXES)
