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
