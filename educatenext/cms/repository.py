"""School websites: one site document per institution, found publicly by its host names."""

from educatenext.platform.mongo.repository import TenantRepository
from educatenext.platform.values import utcnow


class SiteRepository(TenantRepository):
    """Sites of one institution (or, platform-wide, of every institution for public reads)."""

    collection_name = "cms_sites"

    def of_institution(self):
        """This institution's site, or None."""
        return self.find_one({})

    def published_by_subdomain(self, subdomain):
        """The published site with this subdomain, or None."""
        return self.find_one({"subdomain": subdomain, "isPublished": True})

    def published_by_custom_domain(self, host):
        """The published site with this custom domain, or None."""
        return self.find_one({"customDomain": host, "isPublished": True})

    def save(self, site, changes, removed=()):
        """Write a new version of a site read at its current revision; None if it changed since.

        A compare-and-set on `revision`: two administrators saving different sections at once
        must not lose one's sections, so the loser re-reads and re-applies (the service).
        """
        now = utcnow()
        changes = {**changes, "revision": site.get("revision", 0) + 1, "updatedAt": now}
        update = {"$set": changes}
        if removed:
            update["$unset"] = dict.fromkeys(removed, "")
        written = self.collection.update_one(
            self.scoped({"_id": site["_id"], "revision": site.get("revision", 0)}),
            update,
            session=self.session,
        )
        if not written.matched_count:
            return None
        saved = {**site, **changes}
        for name in removed:
            saved.pop(name, None)
        return saved

    def remove(self, site):
        """Delete a site (its host names become free); False if it was already gone."""
        query = self.scoped({"_id": site["_id"]})
        written = self.collection.delete_one(query, session=self.session)
        return bool(written.deleted_count)
