"""TOTP factors and spent second-step tokens.

A factor's _id is its user's _id (one per user); the tenant index serves a school's factors
(an admin's view of who has MFA, a student's export and erasure). Spent tokens expire with the
tokens themselves.
"""

from pymongo import ASCENDING as ASC
from pymongo import IndexModel

from educatenext.platform.mongo.migrations import create_indexes, drop_indexes

INDEXES = {
    "mfa_factors": [IndexModel([("institutionId", ASC), ("_id", ASC)], name="mfa_factors_tenant")],
    "mfa_spent_tokens": [
        IndexModel([("expiresAt", ASC)], name="mfa_spent_tokens_ttl", expireAfterSeconds=0)
    ],
}


def up(db):
    """Create the MFA indexes."""
    create_indexes(db, INDEXES)


def down(db):
    """Drop them."""
    drop_indexes(db, INDEXES)
