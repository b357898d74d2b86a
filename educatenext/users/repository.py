"""Users collection access."""

import re

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
        if name_prefix:
            query["name"] = {"$regex": "^" + re.escape(name_prefix), "$options": "i"}
        return query
