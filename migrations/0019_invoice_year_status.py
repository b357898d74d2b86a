"""Invoices by year and status: the fee-head totals read a year's billed invoices.

The year index 0018 created ended in (createdAt, _id) for a list no endpoint offers; the
report matches the year and a set of statuses, which this index serves on its own.
"""

from pymongo import ASCENDING as ASC
from pymongo import IndexModel

from educatenext.platform.mongo.migrations import create_indexes, drop_indexes

YEAR_STATUS = {
    "invoices": [
        IndexModel(
            [("institutionId", ASC), ("academicYear", ASC), ("status", ASC)],
            name="invoices_tenant_year_status",
        )
    ]
}
YEAR_LISTED = {
    "invoices": [
        IndexModel(
            [("institutionId", ASC), ("academicYear", ASC), ("createdAt", ASC), ("_id", ASC)],
            name="invoices_tenant_academicYear_created",
        )
    ]
}


def up(db):
    """Create the year and status index, then drop the unused year list index."""
    create_indexes(db, YEAR_STATUS)
    if "invoices_tenant_academicYear_created" in db.invoices.index_information():
        drop_indexes(db, YEAR_LISTED)


def down(db):
    """Restore the year list index and drop the year and status one."""
    create_indexes(db, YEAR_LISTED)
    drop_indexes(db, YEAR_STATUS)
