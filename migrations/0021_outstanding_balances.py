"""The outstanding report reads per-classroom and per-student balance summaries.

Until now it grouped every open invoice of the school in one pipeline, which at 10xS scale
overran the report budget. Invoice writes now keep outstanding_balances in their transaction
(educatenext.fees.balances). This creates the unique {institutionId, group, key} index, which
also orders a page of the report, and builds the summaries from the invoices already stored.
It rebuilds the collection whole, so running it again repairs any drift; stop the old
workers first, as they do not keep the summaries.
"""

from pymongo import ASCENDING as ASC
from pymongo import IndexModel

from educatenext.fees.balances import OPEN, summary_documents
from educatenext.platform.mongo.migrations import create_indexes
from educatenext.platform.values import utcnow

INDEXES = {
    "outstanding_balances": [
        IndexModel(
            [("institutionId", ASC), ("group", ASC), ("key", ASC)],
            name="outstanding_balances_tenant_group_key",
            unique=True,
        )
    ]
}
FIELDS = {"studentId": 1, "classroomId": 1, "status": 1, "dueDate": 1, "totalMinor": 1,
          "paidMinor": 1}  # fmt: skip
BATCH = 500


def up(db):
    """Create the index, then every school's summaries from its open invoices."""
    create_indexes(db, INDEXES)
    now = utcnow()
    db.outstanding_balances.delete_many({})
    for institution_id in db.invoices.distinct("institutionId"):
        invoices = db.invoices.find(
            {"institutionId": institution_id, "status": {"$in": list(OPEN)}}, FIELDS
        )
        batch = []
        for document in summary_documents(institution_id, invoices, now):
            batch.append(document)
            if len(batch) >= BATCH:
                db.outstanding_balances.insert_many(batch, ordered=False)
                batch = []
        if batch:
            db.outstanding_balances.insert_many(batch, ordered=False)


def down(db):
    """Drop the summaries and their index (roll the code back first: the report reads them)."""
    db.outstanding_balances.drop()
