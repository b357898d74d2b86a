"""School websites: one site per institution, each host name belongs to one site.

Subdomains and custom domains are unique across the platform (a public read finds a site by
either, without a tenant); a custom domain is optional, so its index covers strings only.
"""

from pymongo import ASCENDING as ASC
from pymongo import IndexModel

from educatenext.platform.mongo.migrations import create_indexes, drop_indexes

STRING = {"$type": "string"}

INDEXES = {
    "cms_sites": [
        IndexModel([("institutionId", ASC)], name="cms_sites_tenant_unique", unique=True),
        IndexModel([("subdomain", ASC)], name="cms_sites_subdomain_unique", unique=True),
        IndexModel(
            [("customDomain", ASC)],
            name="cms_sites_custom_domain_unique",
            unique=True,
            partialFilterExpression={"customDomain": STRING},
        ),
        IndexModel(
            [("institutionId", ASC), ("createdAt", ASC), ("_id", ASC)],
            name="cms_sites_tenant_created",
        ),
    ]
}


def up(db):
    """Create the indexes."""
    create_indexes(db, INDEXES)


def down(db):
    """Drop the indexes (the sites stay)."""
    drop_indexes(db, INDEXES)
