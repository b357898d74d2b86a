"""The compiled response dump gives exactly marshmallow's output, for every response schema."""

import importlib
import pkgutil
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from bson import ObjectId
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields, post_dump

import educatenext
from educatenext.extensions import StrictSchema
from educatenext.platform.http.dumping import CompiledDumpSchema, compile_plan, marshmallow_only
from educatenext.platform.http.schemas import ObjectIdField, ResourceSchema, ResponseSchema
from educatenext.students.schemas import StudentSchema, StudentSummarySchema

for module in pkgutil.walk_packages(educatenext.__path__, "educatenext."):
    if module.name.endswith(".schemas"):
        importlib.import_module(module.name)


def _all_schemas(base):
    for subclass in base.__subclasses__():
        yield subclass
        yield from _all_schemas(subclass)


SCHEMAS = sorted(set(_all_schemas(CompiledDumpSchema)), key=lambda cls: cls.__qualname__)
IDS = [f"{cls.__module__.split('.')[1]}.{cls.__name__}" for cls in SCHEMAS]
TEXT = st.text(max_size=8)
OBJECT_IDS = st.binary(min_size=12, max_size=12).map(ObjectId)
MOMENTS = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1))
ANY_VALUE = st.none() | TEXT | st.integers() | st.booleans() | OBJECT_IDS


def _values(field, depth):
    """Values a stored document may hold for this field (right type, None or a stray type)."""
    if isinstance(field, fields.Nested):
        nested = _document(field.schema, depth + 1) if depth < 3 else st.just({})
        one = nested if not (field.many or field.schema.many) else st.lists(nested, max_size=3)
        return st.none() | one
    if isinstance(field, fields.List):
        return st.none() | st.lists(_values(field.inner, depth), max_size=3)
    if isinstance(field, ObjectIdField):
        return st.none() | OBJECT_IDS
    if isinstance(field, fields.DateTime):
        return st.none() | MOMENTS | MOMENTS.map(lambda moment: moment.replace(tzinfo=UTC))
    if isinstance(field, fields.Date):
        return st.none() | MOMENTS.map(lambda moment: moment.date()) | MOMENTS
    if isinstance(field, fields.Float):
        return st.none() | st.floats(allow_nan=False) | st.integers(-(10**6), 10**6)
    if isinstance(field, fields.Integer):
        return st.none() | st.integers() | st.floats(-1e6, 1e6) | st.booleans()
    if isinstance(field, fields.String):
        return st.none() | TEXT | st.integers() | OBJECT_IDS | st.binary(max_size=4)
    if isinstance(field, fields.Mapping):
        return st.none() | st.dictionaries(TEXT, ANY_VALUE, max_size=3)
    return ANY_VALUE | st.lists(ANY_VALUE, max_size=2)


def _document(schema, depth=0):
    """A stored document for a schema: any subset of its keys, an _id, and undeclared keys."""
    optional = {
        field.attribute or name: _values(field, depth)
        for name, field in schema.dump_fields.items()
        if "." not in (field.attribute or name)
    }
    optional.pop("_id", None)  # always stored: ResourceSchema's id reads it
    optional["undeclaredSecret"] = TEXT
    return st.fixed_dictionaries({"_id": OBJECT_IDS}, optional=optional)


def _outcome(dump, obj, many=False):
    try:
        return "value", dump(obj, many=many)
    except Exception as error:  # the same failure both ways counts as the same answer
        return "raised", type(error)


def _same_answer(schema, obj, many=False):
    compiled = _outcome(schema.dump, obj, many)
    with marshmallow_only():
        reference = _outcome(schema.dump, obj, many)
    assert compiled == reference


@pytest.mark.parametrize("schema_class", SCHEMAS, ids=IDS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_schema_dumps_what_marshmallow_dumps(schema_class, data):
    schema = schema_class()
    documents = data.draw(st.lists(_document(schema), min_size=1, max_size=3))
    _same_answer(schema, documents[0])
    _same_answer(schema, documents, many=True)


def test_the_student_list_and_detail_shapes_are_compiled_not_left_to_marshmallow():
    for schema in (StudentSummarySchema(many=True), StudentSchema(), ResourceSchema()):
        assert compile_plan(schema) is not None, type(schema).__name__


def test_undocumented_nulls_are_dropped_and_nullable_ones_kept():
    student = {"_id": ObjectId(), "name": None, "feeCategory": None, "classroomId": None}
    answer = StudentSchema().dump(student)
    assert "name" not in answer
    assert answer["feeCategory"] is None
    assert answer["id"] == answer["_id"] == str(student["_id"])


def test_a_stored_field_the_schema_does_not_declare_never_reaches_the_answer():
    stored = {"_id": ObjectId(), "name": "Sam", "passwordHash": "x", "institutionId": ObjectId()}
    assert set(StudentSummarySchema().dump(stored)) == {"id", "_id", "name"}


def test_a_schema_with_another_dump_hook_is_dumped_by_marshmallow():
    class Shouting(ResponseSchema):
        name = fields.String()

        @post_dump
        def shout(self, data, **kwargs):
            return {key: value.upper() for key, value in data.items()}

    assert compile_plan(Shouting()) is None
    assert Shouting().dump({"name": "sam"}) == {"name": "SAM"}


def test_objects_that_are_not_dicts_are_dumped_by_marshmallow():
    class Named(StrictSchema):
        name = fields.String()
        day = fields.Date(dump_default=date(2026, 1, 1))

    answer = Named(many=True).dump([SimpleNamespace(name="Sam"), {"name": "Kim"}])
    assert answer == [{"name": "Sam", "day": "2026-01-01"}, {"name": "Kim", "day": "2026-01-01"}]


def test_marshmallow_only_switches_to_marshmallow_and_back_even_after_an_error(monkeypatch):
    def walked(*args, **kwargs):
        raise AssertionError("marshmallow's own walk ran")

    monkeypatch.setattr(Schema, "_serialize", walked)
    schema, student = StudentSummarySchema(), {"_id": ObjectId(), "name": "Sam"}
    assert schema.dump(student)["name"] == "Sam"
    with pytest.raises(AssertionError, match="own walk"), marshmallow_only():
        schema.dump(student)
    assert schema.dump(student)["name"] == "Sam"
