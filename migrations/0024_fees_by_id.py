"""{institutionId, _id} on the fee collections read by id (invoices, payments, structures,
expenses), as 0008 did for the others: MongoDB serves `{_id, institutionId}` from the _id index
alone, the development server's planner needs this one to avoid a scan of the school.
"""

from pymongo import ASCENDING as ASC
from pymongo import IndexModel

from educatenext.platform.mongo.migrations import create_indexes, drop_indexes

BY_ID = ("invoices", "payments", "fee_structures", "expenses")
INDEXES = {
    name: [IndexModel([("institutionId", ASC), ("_id", ASC)], name="tenant_id")] for name in BY_ID
}


def up(db):
    """Create the indexes."""
    create_indexes(db, INDEXES)


def down(db):
    """Drop them."""
    drop_indexes(db, INDEXES)
