"""Bulk writes for the data generator: unordered insert_many batches, no per-row audit events.

Seeding is not a business event (auditing a million generated rows would double the write
load and bury real events), so this repository writes the collections directly.
"""

import pymongo

from educatenext.extensions import mongo

BATCH = 2000
# A batch of 2,000 documents with their indexes can outlast the API's 5 s operation budget
# on a busy server; seeding is a batch job, not a request.
BATCH_TIMEOUT_SECONDS = 120


class SeedRepository:
    """Inserts generated documents in large unordered batches."""

    def insert(self, collection_name, documents, progress=None):
        """Insert an iterable of documents; progress(n) after every batch."""
        collection = mongo.db[collection_name]
        batch = []
        for document in documents:
            batch.append(document)
            if len(batch) >= BATCH:
                with pymongo.timeout(BATCH_TIMEOUT_SECONDS):
                    collection.insert_many(batch, ordered=False)
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            with pymongo.timeout(BATCH_TIMEOUT_SECONDS):
                collection.insert_many(batch, ordered=False)
            if progress:
                progress(len(batch))

    def set_counter(self, institution_id, name, value):
        """Continue generated ids after the seeded ones."""
        mongo.db.counters.update_one(
            {"_id": f"{institution_id}:{name}", "institutionId": institution_id},
            {"$max": {"value": value}},
            upsert=True,
        )

    def institution_codes(self):
        """Codes already used (a second seed adds schools instead of colliding)."""
        return {doc["code"] for doc in mongo.db.institutions.find({}, {"code": 1})}
