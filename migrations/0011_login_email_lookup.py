"""Login looks a user up by email: a plain index next to the partial unique one.

users_email_unique (0001) is partial (emails are optional), and MongoDB uses it for
{email: "<string>"}. The embedded development server's planner never uses partial indexes,
so login scanned every user: 5.5 s for one login at scale 10xS (102,501 users), past the
request's 2 s database budget. This index serves that lookup everywhere; on MongoDB it costs
one more index entry per user.
"""

from pymongo import ASCENDING as ASC
from pymongo import IndexModel

from educatenext.platform.mongo.migrations import create_indexes, drop_indexes

INDEXES = {"users": [IndexModel([("email", ASC)], name="users_email_lookup")]}


def up(db):
    """Create the index."""
    create_indexes(db, INDEXES)


def down(db):
    """Drop it."""
    drop_indexes(db, INDEXES)
