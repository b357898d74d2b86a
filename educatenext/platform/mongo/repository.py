"""The repository base: the only code that touches pymongo, always scoped to a tenant."""

from dataclasses import dataclass

import pymongo
from bson import ObjectId
from flask import current_app
from pymongo.errors import DuplicateKeyError

from educatenext.extensions import mongo
from educatenext.platform.http.listing import name_prefix_range
from educatenext.platform.mongo import stamps
from educatenext.platform.mongo.query_shapes import QUERY_SHAPES
from educatenext.platform.mongo.scoped_collection import ScopedCollection
from educatenext.platform.mongo.write_events import announce_read
from educatenext.platform.values import parse_object_id, utcnow

JOIN_STAGES = {"$lookup": "from", "$unionWith": "coll", "$graphLookup": "from"}


def joined_collections(stages):
    """Collections a pipeline reads besides its own (cached responses depend on them too)."""
    for stage in stages:
        for operator, field in JOIN_STAGES.items():
            spec = stage.get(operator)
            if isinstance(spec, str):
                yield spec
            elif isinstance(spec, dict):
                if isinstance(spec.get(field), str):
                    yield spec[field]
                yield from joined_collections(spec.get("pipeline", []))


def find_example(query, sort, skip, limit):
    """A find as the explain command takes it (for the query-shape registry)."""
    example = {"filter": query}
    if sort:
        example["sort"] = dict(sort)
    if skip:
        example["skip"] = skip
    if limit:
        example["limit"] = limit
    return example


def bulk_budget():
    """The time budget of one bulk write (many operations in one command)."""
    return pymongo.timeout(current_app.config["MONGO_BULK_TIMEOUT_MS"] / 1000)


@dataclass(frozen=True)
class TenantScope:
    """Which institution's documents a repository may see; platform access is explicit."""

    institution_id: ObjectId | None
    platform: bool = False

    @classmethod
    def of(cls, institution_id):
        """Scope to one institution."""
        if not isinstance(institution_id, ObjectId):
            raise TypeError("a tenant scope needs an institution ObjectId")
        return cls(institution_id)

    @classmethod
    def platform_wide(cls):
        """Every institution: only for super-admin paths that say so."""
        return cls(None, platform=True)


def known_total(skip, limit, items):
    """The total a page itself proves, or None when only a count can tell.

    A page shorter than its limit with rows on it is the last one, and an empty first page
    means no rows at all: most lists (a class of 40 under the default limit) need no count.
    """
    if 0 < len(items) < limit or (skip == 0 and not items):
        return skip + len(items)
    return None


class TenantRepository:
    """CRUD helpers that inject institutionId into every filter, insert and pipeline."""

    collection_name = None
    tenant_field = "institutionId"
    # A field whose value splits the collection for cache invalidation: a read pinned to one
    # value goes stale only with writes to that value (educatenext.caching.dependencies).
    partition_field = None
    # The collection a cached response that read this one depends on (a derived collection
    # names its source); None: this collection itself.
    cache_dependency = None
    # False for bookkeeping collections (sessions, counters, derived summaries): their writes
    # are not business events, so they emit no WriteEvent (no audit entry, no cache staling).
    emits_write_events = True

    def __init__(self, scope, session=None):
        if not isinstance(scope, TenantScope):
            raise TypeError(f"{type(self).__name__} needs a TenantScope")
        self.scope = scope
        self.session = session

    @property
    def collection(self):
        """This tenant's view of the collection: scoped operations only, writes emit events.

        Whatever a caller does with it counts as a read of the whole collection.
        """
        return self._open(None)

    def _reading(self, query):
        """The collection, for a read with this filter (pinned to a partition or not)."""
        value = query.get(self.partition_field) if self.partition_field else None
        return self._open(value if isinstance(value, ObjectId) else None)

    def _open(self, partition_value):
        mongo.ensure_available()
        announce_read(self.cache_dependency or self.collection_name, partition_value)
        return ScopedCollection(mongo.db[self.collection_name], self.scope, self.tenant_field,
                                self.partition_field, self.emits_write_events)  # fmt: skip

    def scoped(self, filter_=None):
        """Merge the tenant condition into a filter, refusing a conflicting one."""
        query = dict(filter_ or {})
        if self.scope.platform:
            return query
        if self.tenant_field in query and query[self.tenant_field] != self.scope.institution_id:
            raise PermissionError("filter names another institution")
        query[self.tenant_field] = self.scope.institution_id
        return query

    def list_filter(self, *, status=None, name_prefix=None):
        """The common list shape: status, then a name prefix (indexes keyed status, nameLower)."""
        query = {}
        if status:
            query["status"] = status
        if name_prefix and (bounds := name_prefix_range(name_prefix)):
            query["nameLower"] = bounds
        return query

    def find(self, filter_=None, *, sort=None, skip=0, limit=0, projection=None):
        """Documents matching the filter in this tenant."""
        query = self.scoped(filter_)
        QUERY_SHAPES.record(self.collection_name, "find", find_example(query, sort, skip, limit))
        cursor = self._reading(query).find(
            query, projection, session=self.session, skip=skip, limit=limit
        )
        if sort:
            cursor = cursor.sort(sort)
        return list(cursor)

    def stream(self, filter_=None, *, sort=None, projection=None, batch_size=500):
        """Matching documents one at a time, fetched in batches: memory stays flat at any count.

        The caller iterates it within the request (a streamed response) and to the end or not:
        the cursor is closed either way.
        """
        query = self.scoped(filter_)
        QUERY_SHAPES.record(self.collection_name, "find", find_example(query, sort, 0, 0))
        cursor = self._reading(query).find(
            query, projection, session=self.session, batch_size=batch_size
        )
        if sort:
            cursor = cursor.sort(sort)
        with cursor:
            yield from cursor

    def find_one(self, filter_=None, projection=None):
        """One document in this tenant, or None."""
        query = self.scoped(filter_)
        QUERY_SHAPES.record(self.collection_name, "find", find_example(query, None, 0, 1))
        return self._reading(query).find_one(query, projection, session=self.session)

    def get(self, document_id, projection=None):
        """One document by id in this tenant, or None (also for malformed ids)."""
        object_id = parse_object_id(document_id)
        if object_id is None:
            return None
        return self.find_one({"_id": object_id}, projection)

    def count(self, filter_=None):
        """How many documents match in this tenant."""
        query = self.scoped(filter_)
        QUERY_SHAPES.record(self.collection_name, "count", {"filter": query})
        return self._reading(query).count_documents(query, session=self.session)

    def page(self, filter_=None, *, sort=None, page=1, limit=20, projection=None):
        """One page of results plus the total count."""
        skip = (page - 1) * limit
        items = self.find(filter_, sort=sort, skip=skip, limit=limit, projection=projection)
        total = known_total(skip, limit, items)
        return items, self.count(filter_) if total is None else total

    @staticmethod
    def with_search_keys(document):
        """Keep nameLower (the indexed, case-insensitive search and sort key) in step with name."""
        if isinstance(document.get("name"), str):
            document["nameLower"] = document["name"].strip().lower()
        return document

    def resumed_insert(self):
        """What a crashed attempt of this keyed request inserted here as its next insert, or None.

        A service whose transaction also updates other documents (a counter, a balance) asks
        first, so a re-run after a commit whose answer was lost applies nothing twice.
        """
        request_key = stamps.upcoming_request_key()
        if request_key is None or not stamps.resumed():
            return None
        return self.find_one({"requestKey": request_key})

    def insert(self, document):
        """Insert a document stamped with this tenant and timestamps; returns it with _id."""
        document = self.with_search_keys(dict(document))
        if not self.scope.platform:
            document[self.tenant_field] = self.scope.institution_id
        elif self.tenant_field not in document:
            raise ValueError("platform-wide inserts must name the institution")
        now = utcnow()
        document.setdefault("createdAt", now)
        document.setdefault("updatedAt", now)
        request_key = stamps.next_request_key()
        if request_key:
            document["requestKey"] = request_key
            if stamps.resumed() and (earlier := self.find_one({"requestKey": request_key})):
                return earlier  # the crashed attempt's insert (seen inside a transaction too)
        try:
            result = self.collection.insert_one(document, session=self.session)
        except DuplicateKeyError as exc:
            if request_key and "requestKey" in (exc.details or {}).get("keyPattern", {}):
                # A concurrent attempt of the same keyed request inserted it first.
                return self.find_one({"requestKey": request_key})
            raise
        document["_id"] = result.inserted_id
        return document

    def update(self, document_id, changes, *, extra_filter=None):
        """Apply $set changes to one document in this tenant; returns the new document.

        A read, then an update_one that lands only if the document still matches (its _id and
        extra_filter), not one findAndModify (docs/decisions/0003). None when no document
        matches, then or at the write.
        """
        object_id = parse_object_id(document_id)
        if object_id is None:
            return None
        changes = {key: value for key, value in changes.items() if key != self.tenant_field}
        changes = self.with_search_keys(changes)
        changes["updatedAt"] = utcnow()
        condition = {"_id": object_id, **(extra_filter or {})}
        current = self.find_one(condition)
        if current is None:
            return None
        # The owner in the filter too: a platform-wide write then stales that school's cache
        # only (see ScopedCollection.update_one), as the document it changed names it.
        owner = (
            {self.tenant_field: current[self.tenant_field]} if self.tenant_field in current else {}
        )
        written = self.collection.update_one(
            self.scoped({**condition, **owner}), {"$set": changes}, session=self.session
        )
        if not written.matched_count:
            return None  # changed or removed since the read: as if it had not matched
        return {**current, **changes}

    def put(self, key, fields, existing):
        """Create the one document with key, or $set fields on it: (document, previous or None).

        existing: that document as the caller just read it (None: there was none). An insert
        or an update by _id, not an upserting findAndModify (docs/decisions/0003). An insert
        that loses a race to another request's (key's unique index) becomes an update of the
        winner's document; one gone since the read is written anew.
        """
        if self.scope.platform:  # an insert without the tenant would create a school-less one
            raise ValueError("put needs a school's scope")
        now = utcnow()
        for _ in range(3):  # insert lost to another, or the document went: each at most once
            if existing is None:
                document = self.first_version(key, fields, now)
                try:
                    self.collection.insert_one(document, session=self.session)
                except DuplicateKeyError:
                    existing = self.find_one(key)
                    if existing is None:
                        raise  # a unique index other than the key's
                    continue
                return document, None
            changes = {**fields, "updatedAt": now}
            written = self.collection.update_one(
                self.scoped({"_id": existing["_id"]}), {"$set": changes}, session=self.session
            )
            if written.matched_count:
                return {**existing, **changes}, existing
            existing = None
        raise RuntimeError(f"{self.collection_name}: the document kept changing under a put")

    def first_version(self, key, fields, now):
        """A document as first written: its key and fields, both timestamps, this tenant."""
        return self.scoped({**key, **fields, "createdAt": now, "updatedAt": now})

    def add_to_list(self, document_id, field, value):
        """$addToSet one value onto a list field of one document of this tenant."""
        self.collection.update_one(
            self.scoped({"_id": document_id}), {"$addToSet": {field: value}}, session=self.session
        )

    def remove_from_list(self, document_id, field, value):
        """$pull one value from a list field of one document of this tenant."""
        self.collection.update_one(
            self.scoped({"_id": document_id}), {"$pull": {field: value}}, session=self.session
        )

    def add_to_set(self, filter_, field, value):
        """Add value to an array of the one document matching filter_, creating the document.

        For summaries keyed by a unique index: a no-op when the value is there already.
        """
        self.upsert_summary(filter_, {"$addToSet": {field: value}})

    def upsert_summary(self, filter_, update):
        """Apply update to the one per-school document matching filter_, creating it."""
        if self.scope.platform:  # an upsert without the tenant would create a school-less one
            raise ValueError("a per-school summary needs a school's scope")
        query = self.scoped(filter_)
        on_insert = {"createdAt": utcnow(), **update.get("$setOnInsert", {})}
        update = {**update, "$setOnInsert": on_insert}
        try:
            self.collection.update_one(query, update, upsert=True, session=self.session)
        except DuplicateKeyError:  # two first writes raced to insert it: now it exists
            self.collection.update_one(query, update, session=self.session)

    def insert_many(self, documents):
        """Insert several documents of this tenant in one round trip; returns them with _ids."""
        now = utcnow()
        prepared = []
        for document in documents:
            document = self.with_search_keys(dict(document))
            if not self.scope.platform:
                document[self.tenant_field] = self.scope.institution_id
            document.setdefault("createdAt", now)
            document.setdefault("updatedAt", now)
            prepared.append(document)
        if prepared:
            with bulk_budget():
                result = self.collection.insert_many(prepared, session=self.session)
            for document, inserted_id in zip(prepared, result.inserted_ids, strict=True):
                document["_id"] = inserted_id
        return prepared

    def update_many(self, filter_, changes):
        """$set the same changes on every matching document of this tenant; returns the count."""
        changes = {key: value for key, value in changes.items() if key != self.tenant_field}
        changes["updatedAt"] = utcnow()
        result = self.collection.update_many(
            self.scoped(filter_), {"$set": changes}, session=self.session
        )
        return result.modified_count

    def aggregate(self, pipeline):
        """Run a pipeline whose first stage restricts it to this tenant."""
        stages = list(pipeline)
        if not self.scope.platform:
            # Merged into the leading $match so the planner sees one index-friendly filter.
            if stages and "$match" in stages[0]:
                stages[0] = {"$match": self.scoped(stages[0]["$match"])}
            else:
                stages.insert(0, {"$match": {self.tenant_field: self.scope.institution_id}})
        for name in joined_collections(stages):
            announce_read(name)
        QUERY_SHAPES.record(self.collection_name, "aggregate", {"pipeline": stages})
        # Reports scan more than one index range: their own, larger budget.
        with pymongo.timeout(current_app.config["MONGO_REPORT_TIMEOUT_MS"] / 1000):
            first = stages[0].get("$match", {}) if stages else {}
            return list(self._reading(first).aggregate(stages, session=self.session))
