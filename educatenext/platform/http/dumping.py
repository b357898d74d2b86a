"""Response serialisation: each schema is compiled once into one step per field.

marshmallow's dump sends every field of every row through serialize, get_value, the
schema's accessor and utils.get_value before the field's own _serialize; for a page of 50
that walk is most of an uncached request's CPU. A compiled plan reads each key straight off
the document, converts it with the field's own _serialize (inlined for plain strings,
numbers and pass-through values) and drops undocumented nulls as it goes instead of in a
second pass. Whatever a plan cannot express exactly (other dump hooks, overridden accessors,
dotted attributes, objects that are not dicts) is dumped by marshmallow itself, so the output
is always marshmallow's (tests/platform/test_compiled_dump.py checks every response schema).
"""

from contextlib import contextmanager

from marshmallow import Schema, fields, missing, post_dump
from marshmallow.utils import ensure_text_type

from educatenext.platform import library_internals

_NOT_COMPILED = object()
# Keys a dict also has as attributes: marshmallow's accessor falls back to getattr for them.
_DICT_ATTRIBUTES = frozenset(dir(dict))
_PASS_THROUGH = (fields.Raw, fields.Boolean)  # exact types whose _serialize returns the value
_NUMBERS = (fields.Integer, fields.Float)
_state = {"compiled": True}


@contextmanager
def marshmallow_only():
    """Dump with marshmallow's own walk inside this block (the reference for tests and bench)."""
    previous, _state["compiled"] = _state["compiled"], False
    try:
        yield
    finally:
        _state["compiled"] = previous


class CompiledDumpSchema(Schema):
    """A Schema whose dump runs a plan compiled from its fields on first use."""

    def dump(self, obj, *, many=None):
        """What marshmallow's dump returns, computed by the compiled plan where there is one."""
        plan = self.__dict__.get("_dump_plan", _NOT_COMPILED)
        if plan is _NOT_COMPILED:
            plan = self._dump_plan = compile_plan(self)
        if plan is None or obj is None or not _state["compiled"]:
            return super().dump(obj, many=many)
        if self.many if many is None else many:
            return [plan(item) for item in obj]
        return plan(obj)


class NullDroppingSchema(CompiledDumpSchema):
    """Leaves out nulls of fields not documented as nullable, so every answer matches the spec."""

    @post_dump
    def drop_undocumented_nulls(self, data, **kwargs):
        """A stored null (e.g. an unset optional field) is omitted unless the field allows None."""
        nullable = self.__dict__.get("_nullable_keys")
        if nullable is None:  # once per schema instance: a list dumps every row through here
            nullable = self._nullable_keys = frozenset(
                field.data_key or name
                for name, field in self.dump_fields.items()
                if field.allow_none
            )
        return {key: value for key, value in data.items() if value is not None or key in nullable}


def compile_plan(schema):
    """One function dumping a single object as schema.dump would, or None to leave it to it."""
    pre_hooks, post_hooks = library_internals.dump_hooks(schema)
    if pre_hooks or type(schema).get_attribute is not Schema.get_attribute:
        return None
    drops_nulls = False
    for name, _ in post_hooks:
        if getattr(type(schema), name) is not NullDroppingSchema.drop_undocumented_nulls:
            return None
        drops_nulls = True
    steps = tuple(
        (
            field.data_key if field.data_key is not None else name,
            _step(schema, name, field),
            drops_nulls and not field.allow_none,
        )
        for name, field in schema.dump_fields.items()
    )
    reference = Schema.dump

    def dump_one(obj):
        if type(obj) is not dict:
            return reference(schema, obj, many=False)
        answer = {}
        for key, step, drop_null in steps:
            value = step(obj)
            if value is missing or (drop_null and value is None):
                continue
            answer[key] = value
        return answer

    return dump_one


def _step(schema, name, field):
    """value of one field for a dict document, or missing to leave the key out."""
    source = field.attribute or name
    kind = type(field)
    if (
        kind.serialize is not fields.Field.serialize
        or kind.get_value is not fields.Field.get_value
        or "." in source
        or source in _DICT_ATTRIBUTES
    ):
        return lambda obj: field.serialize(name, obj, accessor=schema.get_attribute)
    convert = field._serialize
    if not library_internals.reads_attribute(field):  # Function, Method, Constant
        return lambda obj: convert(None, name, obj)
    default = field.dump_default
    if default is not missing:

        def with_default(obj):
            value = obj.get(source, missing)
            if value is missing:
                value = default() if callable(default) else default
            return convert(value, name, obj)

        return with_default
    if kind in _PASS_THROUGH:
        return lambda obj: obj.get(source, missing)
    if kind is fields.String:

        def string(obj):
            value = obj.get(source, missing)
            if value is missing or value is None or type(value) is str:
                return value
            return ensure_text_type(value)

        return string
    if kind in _NUMBERS and not field.as_string:
        number = field.num_type

        def numeric(obj):
            value = obj.get(source, missing)
            return value if value is missing or value is None else number(value)

        return numeric

    def converted(obj):
        value = obj.get(source, missing)
        return value if value is missing else convert(value, name, obj)

    return converted
