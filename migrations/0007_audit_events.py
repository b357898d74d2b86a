"""Audit trail: events expire at expiresAt (AUDIT_RETENTION_DAYS, 400 by default)."""

from pymongo import ASCENDING as ASC
from pymongo import DESCENDING as DESC
from pymongo import IndexModel

from educatenext.platform.mongo.migrations import create_indexes, drop_indexes


def tenant(*keys, **options):
    """Led by institutionId; the time key last and descending (newest first)."""
    return IndexModel(
        [("institutionId", ASC), *((key, ASC) for key in keys), ("at", DESC)], **options
    )


INDEXES = {
    "audit_events": [
        tenant(name="audit_tenant_at"),
        tenant("action", name="audit_tenant_action_at"),
        tenant("resourceType", name="audit_tenant_type_at"),
        tenant("resourceType", "action", name="audit_tenant_type_action_at"),
        tenant("resourceIds", name="audit_tenant_resource_at"),
        tenant("resourceIds", "action", name="audit_tenant_resource_action_at"),
        tenant("actorId", name="audit_tenant_actor_at"),
        tenant("actorId", "action", name="audit_tenant_actor_action_at"),
        IndexModel([("expiresAt", ASC)], name="audit_ttl", expireAfterSeconds=0),
    ],
}


def up(db):
    """Create the indexes."""
    create_indexes(db, INDEXES)


def down(db):
    """Drop them."""
    drop_indexes(db, INDEXES)
