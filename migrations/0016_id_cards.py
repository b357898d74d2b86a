"""ID cards: one card per account, a card number given once per institution.

Card numbers come from the school's `id-cards` counter, so a reissued card never reuses
one; the unique index on the number makes a duplicate a refused write, not a second card.
"""

from pymongo import ASCENDING as ASC
from pymongo import IndexModel

from educatenext.platform.mongo.migrations import create_indexes, drop_indexes

INDEXES = {
    "id_cards": [
        IndexModel([("institutionId", ASC), ("userId", ASC)], name="id_cards_holder", unique=True),
        IndexModel(
            [("institutionId", ASC), ("cardNumber", ASC)], name="id_cards_number", unique=True
        ),
    ]
}


def up(db):
    """Create the indexes."""
    create_indexes(db, INDEXES)


def down(db):
    """Drop the indexes (the cards stay)."""
    drop_indexes(db, INDEXES)
