"""Identity: institutions, users search, sessions, refresh tokens, invitations, login throttle.

TTL indexes let MongoDB delete expired refresh tokens, sessions, invitations and
login-throttle records; revocation state lives here (not in Redis) so it survives restarts.
"""

from pymongo import ASCENDING as ASC
from pymongo import DESCENDING as DESC
from pymongo import IndexModel

from educatenext.platform.mongo.migrations import create_indexes, drop_indexes

STRING = {"$type": "string"}

INDEXES = {
    "institutions": [
        IndexModel(
            [("code", ASC)],
            name="institutions_code_unique",
            unique=True,
            partialFilterExpression={"code": STRING},
        ),
        IndexModel(
            [("domain", ASC)],
            name="institutions_domain_unique",
            unique=True,
            partialFilterExpression={"domain": STRING},
        ),
        IndexModel([("status", ASC), ("name", ASC)], name="institutions_status_name"),
        IndexModel([("name", ASC)], name="institutions_name"),
    ],
    "users": [
        IndexModel([("institutionId", ASC), ("name", ASC)], name="users_tenant_name"),
        IndexModel([("institutionId", ASC), ("createdAt", ASC)], name="users_tenant_created"),
    ],
    "sessions": [
        IndexModel([("userId", ASC), ("revokedAt", ASC)], name="sessions_user_revoked"),
        IndexModel([("expiresAt", ASC)], name="sessions_ttl", expireAfterSeconds=0),
    ],
    "refresh_tokens": [
        IndexModel([("sessionId", ASC)], name="refresh_tokens_session"),
        IndexModel([("expiresAt", ASC)], name="refresh_tokens_ttl", expireAfterSeconds=0),
    ],
    "invitations": [
        IndexModel(
            [("tokenHash", ASC)],
            name="invitations_token_unique",
            unique=True,
            partialFilterExpression={"tokenHash": STRING},
        ),
        IndexModel(
            [("institutionId", ASC), ("createdAt", DESC)], name="invitations_tenant_created"
        ),
        # Keep used/expired invitations 30 days for the record, then let MongoDB drop them.
        IndexModel([("expiresAt", ASC)], name="invitations_ttl", expireAfterSeconds=30 * 24 * 3600),
    ],
    "login_throttle": [
        IndexModel([("expiresAt", ASC)], name="login_throttle_ttl", expireAfterSeconds=0),
    ],
}


def up(db):
    """Create the indexes (a no-op for identical existing ones)."""
    create_indexes(db, INDEXES)


def down(db):
    """Drop the indexes this migration created."""
    drop_indexes(db, INDEXES)
