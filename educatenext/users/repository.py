"""Users collection access."""

from educatenext.platform.http.listing import name_prefix_range
from educatenext.platform.mongo.repository import TenantRepository


class UserRepository(TenantRepository):
    """Users of one institution (or platform-wide for login and super-admin paths)."""

    collection_name = "users"

    def by_email(self, email):
        """The user with this (normalised) email, or None."""
        return self.find_one({"email": email})

    def search_filter(self, *, role=None, status=None, name_prefix=None):
        """Filter from allow-listed parameters only; the name search is an anchored literal."""
        query = {}
        if role:
            query["role"] = role
        if status:
            query["status"] = status
        if name_prefix and (bounds := name_prefix_range(name_prefix)):
            query["nameLower"] = bounds
        return query

    def replace_qr_code(self, user, version, qr_data):
        """Store an active user's new QR code and version, if the version is still the one read.

        Older codes stop validating. False when another write moved the version first. A
        compare-and-set update_one by _id, not a findAndModify $inc (see TenantRepository.update).
        """
        read = {"_id": user["_id"], "status": "active", "qrVersion": user.get("qrVersion")}
        written = self.collection.update_one(
            self.scoped(read),
            {"$set": {"qrVersion": version, "qrCode": qr_data}},
            session=self.session,
        )
        return bool(written.matched_count)
