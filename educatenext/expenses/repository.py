"""Expenses of one institution."""

from educatenext.platform.mongo.repository import TenantRepository


class ExpenseRepository(TenantRepository):
    """Spending entries; an amount is changed only while the entry awaits approval."""

    collection_name = "expenses"

    def approved_per_month(self, year):
        """{"YYYY-MM": approved spending} for a calendar year: one pipeline."""
        months = {"$gte": f"{year}-01", "$lte": f"{year}-12"}
        rows = self.aggregate([
            {"$match": {"status": "approved", "month": months}},
            {"$group": {"_id": "$month", "total": {"$sum": "$amountMinor"}}},
        ])  # fmt: skip
        return {row["_id"]: row["total"] for row in rows}
