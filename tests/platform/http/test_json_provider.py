"""Compact JSON by orjson reads back as what Flask's own provider writes, keys in its order."""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from hypothesis import given, settings
from hypothesis import strategies as st

from educatenext.platform.http.json_provider import COMPACT, OrjsonProvider


@dataclass
class Point:
    x: int
    label: str


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.datetimes(timezones=st.just(UTC))
    | st.dates()
    | st.decimals(allow_nan=False, allow_infinity=False, places=4)
    | st.uuids()
    | st.builds(Point, st.integers(0, 9), st.text(max_size=3))
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=12,
)
app = Flask(__name__)
ours, flasks = OrjsonProvider(app), DefaultJSONProvider(app)


def _pairs(text):
    """The decoded document with every object as its list of pairs (so key order counts)."""
    return json.loads(text, object_pairs_hook=list)


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_compact_output_decodes_to_what_flask_writes(value):
    assert _pairs(ours.dumps(value, separators=COMPACT)) == _pairs(
        flasks.dumps(value, separators=COMPACT)
    )


@settings(max_examples=100, deadline=None)
@given(VALUES)
def test_a_response_body_is_flasks_document_with_its_trailing_newline(value):
    with app.app_context():
        body, expected = ours.response(value).get_data(), flasks.response(value).get_data()
    assert body.endswith(b"\n")
    assert _pairs(body) == _pairs(expected)


def test_known_types_encode_as_flask_encodes_them():
    value = {
        "when": datetime(2026, 12, 7, 9, 30, tzinfo=UTC),
        "day": date(2026, 12, 7),
        "amount": Decimal("12.50"),
        "id": UUID(int=1),
        "point": Point(1, "a"),
    }
    assert ours.dumps(value, separators=COMPACT) == flasks.dumps(value, separators=COMPACT)


def test_text_is_utf8_not_escaped_and_keys_are_sorted():
    with app.app_context():
        body = ours.response({"name": "Zoë", "id": 1}).get_data()
    assert body == '{"id":1,"name":"Zoë"}\n'.encode()


def test_what_orjson_refuses_takes_flasks_path():
    huge = {"n": 2**70}
    assert ours.dumps(huge, separators=COMPACT) == '{"n":1180591620717411303424}'
    with app.app_context():
        assert ours.response(huge).get_data() == b'{"n":1180591620717411303424}\n'


def test_indented_output_is_flasks():
    assert ours.dumps({"b": 1, "a": 2}, indent=2) == flasks.dumps({"b": 1, "a": 2}, indent=2)
    debugging = Flask("debugging")
    debugging.debug = True
    with debugging.app_context():
        assert OrjsonProvider(debugging).response({"a": 1}).get_data() == b'{\n  "a": 1\n}\n'
