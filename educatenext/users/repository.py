"""Users collection access."""

from educatenext.listing import name_prefix_range
from educatenext.repository import TenantRepository


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

    def add_to_list(self, user_id, field, value):
        """$addToSet one link (classroomIds, childStudentIds) on a user."""
        self.collection.update_one(
            self.scoped({"_id": user_id}), {"$addToSet": {field: value}}, session=self.session
        )

    def remove_from_list(self, user_id, field, value):
        """$pull one link from a user."""
        self.collection.update_one(
            self.scoped({"_id": user_id}), {"$pull": {field: value}}, session=self.session
        )

    def next_qr_version(self, user):
        """Move an active user's QR version on from the one read (older codes stop validating).

        Returns the new version, or None when another write moved it first. A compare-and-set
        update_one, not a findAndModify $inc: the development server runs findAndModify as a
        scan of the whole collection (75 ms for one user among the 10,251 of scale S).
        """
        current = user.get("qrVersion")
        version = (current or 0) + 1
        written = self.collection.update_one(
            self.scoped({"_id": user["_id"], "status": "active", "qrVersion": current}),
            {"$set": {"qrVersion": version}},
            session=self.session,
        )
        return version if written.matched_count else None
