"""The repository base scopes every operation to one tenant (mongomock: no sockets)."""

import mongomock
import pytest
from bson import ObjectId
from pymongo import UpdateOne

from educatenext.platform.mongo import write_events
from educatenext.platform.mongo.repository import TenantRepository, TenantScope
from educatenext.platform.mongo.scoped_collection import ScopedCollection, UnscopedQueryError
from educatenext.platform.values import parse_object_id

SCHOOL_A = ObjectId()
SCHOOL_B = ObjectId()


class NoteRepository(TenantRepository):
    """A throwaway resource."""

    collection_name = "notes"


@pytest.fixture
def notes(app, monkeypatch):
    """Repositories for two schools over one mongomock database."""
    database = mongomock.MongoClient(tz_aware=True).db
    monkeypatch.setattr(NoteRepository, "_open", lambda self, partition_value: ScopedCollection(
        database.notes, self.scope, self.tenant_field, self.partition_field))  # fmt: skip
    with app.app_context():
        yield NoteRepository(TenantScope.of(SCHOOL_A)), NoteRepository(TenantScope.of(SCHOOL_B))


def test_scope_is_mandatory():
    with pytest.raises(TypeError):
        NoteRepository(SCHOOL_A)
    with pytest.raises(TypeError):
        TenantScope.of("not-an-object-id")


def test_inserts_are_stamped_and_reads_are_scoped(notes):
    school_a, school_b = notes
    note = school_a.insert({"text": "a", "institutionId": SCHOOL_B})
    assert note["institutionId"] == SCHOOL_A
    assert note["createdAt"] == note["updatedAt"]
    school_b.insert({"text": "b"})
    assert [n["text"] for n in school_a.find()] == ["a"]
    assert school_a.count() == 1
    assert school_b.get(note["_id"]) is None
    assert school_a.get(note["_id"])["text"] == "a"
    assert school_a.get("not-an-id") is None


def test_filters_cannot_name_another_tenant(notes):
    school_a, _ = notes
    with pytest.raises(PermissionError):
        school_a.find({"institutionId": SCHOOL_B})
    assert school_a.find({"institutionId": SCHOOL_A}) == []


def test_updates_cannot_cross_tenants_or_move_documents(notes):
    school_a, school_b = notes
    note = school_a.insert({"text": "a"})
    assert school_b.update(note["_id"], {"text": "stolen"}) is None
    updated = school_a.update(note["_id"], {"text": "edited", "institutionId": SCHOOL_B})
    assert updated["text"] == "edited"
    assert updated["institutionId"] == SCHOOL_A
    assert school_a.update("bad-id", {"text": "x"}) is None


def test_paging_and_aggregation_are_scoped(notes):
    school_a, school_b = notes
    for number in range(5):
        school_a.insert({"n": number})
        school_b.insert({"n": number})
    items, total = school_a.page(sort=[("n", -1)], page=2, limit=2)
    assert [i["n"] for i in items] == [2, 1]
    assert total == 5
    grouped = school_a.aggregate([{"$group": {"_id": None, "sum": {"$sum": "$n"}}}])
    assert grouped == [{"_id": None, "sum": 10}]


def test_platform_scope_is_explicit_and_sees_all(notes):
    school_a, school_b = notes
    school_a.insert({"n": 1})
    school_b.insert({"n": 2})
    platform = NoteRepository(TenantScope.platform_wide())
    assert platform.count() == 2
    assert len(platform.aggregate([])) == 2
    with pytest.raises(ValueError, match="must name the institution"):
        platform.insert({"n": 3})
    assert platform.insert({"n": 3, "institutionId": SCHOOL_A})["institutionId"] == SCHOOL_A


def test_a_summary_is_kept_per_school_and_never_platform_wide(notes):
    school_a, school_b = notes
    for _ in range(2):  # the second add is a no-op
        school_a.add_to_set({"kind": "summary"}, "ids", 1)
    school_b.add_to_set({"kind": "summary"}, "ids", 2)
    assert [n["ids"] for n in school_a.find({"kind": "summary"})] == [[1]]
    assert [n["ids"] for n in school_b.find({"kind": "summary"})] == [[2]]
    platform = NoteRepository(TenantScope.platform_wide())
    with pytest.raises(ValueError, match="school"):
        platform.add_to_set({"kind": "summary"}, "ids", 3)
    assert sorted(n["ids"] for n in platform.find({"kind": "summary"})) == [[1], [2]]


def test_parse_object_id():
    object_id = ObjectId()
    assert parse_object_id(object_id) is object_id
    assert parse_object_id(str(object_id)) == object_id
    assert parse_object_id("zzz") is None
    assert parse_object_id(None) is None


class CarelessNoteRepository(NoteRepository):
    """A repository whose author forgot self.scoped(...) in its own methods."""

    def archive(self, note_id):
        """Update by _id alone."""
        return self.collection.update_one({"_id": note_id}, {"$set": {"archived": True}})

    def archive_all(self):
        """A bulk write by _id alone."""
        return self.collection.bulk_write([UpdateOne({}, {"$set": {"archived": True}})])

    def report(self):
        """A pipeline that does not start with this school."""
        return list(self.collection.aggregate([{"$group": {"_id": "$text"}}]))

    def adopt(self, note):
        """Insert another school's document."""
        return self.collection.insert_one({**note, "institutionId": SCHOOL_B})


def test_a_repository_cannot_send_pymongo_an_unscoped_query(app, notes, monkeypatch):
    _, school_b = notes
    other = school_b.insert({"text": "b's"})
    careless = CarelessNoteRepository(TenantScope.of(SCHOOL_A))
    with app.app_context():
        for attempt in (lambda: careless.archive(other["_id"]), careless.archive_all,
                        careless.report, lambda: careless.adopt({"text": "x"})):  # fmt: skip
            with pytest.raises(UnscopedQueryError, match=r"notes: a .* without this school"):
                attempt()
    assert school_b.get(other["_id"]).get("archived") is None
    assert not hasattr(careless.collection, "delete_many"), "only the scoped operations exist"


def test_every_write_emits_one_event_naming_its_school_and_fields(notes, monkeypatch):
    seen = []
    monkeypatch.setattr(write_events, "_WRITE_SUBSCRIBERS", [seen.append])
    school_a, _ = notes
    note = school_a.insert({"text": "a", "status": "draft"})
    school_a.update(note["_id"], {"status": "final"})
    assert [(e.collection, e.institution_id, e.action, e.ids) for e in seen] == [
        ("notes", SCHOOL_A, "create", (note["_id"],)),
        ("notes", SCHOOL_A, "update", (note["_id"],)),
    ]
    assert seen[0].fields == ("status", "text")
    assert seen[1].fields == ("status",)
    assert seen[1].values["status"] == "final"
    assert all(e.applied and e.partitions is None for e in seen)
