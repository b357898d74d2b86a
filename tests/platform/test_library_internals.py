"""The private attributes educatenext/platform/library_internals.py reads still exist.

When Flask-Limiter or Flask-Caching is upgraded, these fail with the module to re-check, not
somewhere deep in the fast lane or the cache invalidation.
"""

import inspect
from importlib.metadata import version

import flask_limiter
import pytest
from flask_limiter import HeaderNames
from marshmallow import Schema, fields, post_dump, pre_dump
from pymongo import DeleteOne, InsertOne, UpdateOne

from educatenext.extensions import cache, limiter
from educatenext.platform import library_internals, request_state
from educatenext.platform.redis.limiter_storage import OneTripRedisStorage

RECHECK = "re-check educatenext/platform/library_internals.py against {name} {installed}, then "
RECHECK += "update its VERIFIED"


@pytest.mark.parametrize("name", sorted(library_internals.VERIFIED))
def test_the_installed_versions_are_those_the_internals_were_checked_against(name):
    installed = version(name)
    verified = library_internals.VERIFIED[name]
    assert installed == verified, RECHECK.format(name=name, installed=installed)


def test_the_cache_backend_exposes_its_client_and_prefix(app):
    with app.app_context():
        client = library_internals.cache_client(cache.cache)
        assert client.ping() is True, "Flask-Caching: _write_client is no longer a Redis client"
        prefix = library_internals.cache_prefix(cache.cache)
        assert prefix == app.config["CACHE_KEY_PREFIX"], "Flask-Caching: _get_prefix() changed"
        cache.set("internals-probe", 1)
        assert client.get(prefix + "internals-probe") is not None, "Flask-Caching key layout"


def test_the_limiter_exposes_its_storage_and_header_settings(app, client):
    with app.app_context():
        assert isinstance(library_internals.live_storage(limiter), OneTripRedisStorage), (
            "Flask-Limiter: _storage / _storage_dead changed"
        )
        names, as_http_date = library_internals.header_settings(limiter)
        assert names[HeaderNames.LIMIT] == "X-RateLimit-Limit", "Flask-Limiter: _header_mapping"
        assert names[HeaderNames.RETRY_AFTER] == "X-RateLimit-Retry-After"
        assert as_http_date is False, "Flask-Limiter: _retry_after"
        assert isinstance(limiter._storage_options, dict), "Flask-Limiter: _storage_options"


def test_the_recording_limiter_still_overrides_a_real_method(app, client, auth_headers):
    original = inspect.signature(flask_limiter.Limiter._check_request_limit)
    assert list(original.parameters) == ["self", "callable_name", "in_middleware"], (
        "Flask-Limiter: _check_request_limit's signature changed"
    )
    seen = []

    @app.after_request
    def keep(response):
        seen.append(dict(request_state.current().evaluated_limits))
        return response

    client.get("/api/v1/subjects", headers=auth_headers("admin"))
    assert seen, "no request ran"
    assert any(seen[-1]), "Flask-Limiter: the evaluated limits are no longer recorded"


def test_pymongo_bulk_operations_still_expose_their_filter_and_document():
    parts = library_internals.bulk_operation_parts
    assert parts(InsertOne({"a": 1})) == ({"a": 1}, None), "pymongo: InsertOne._doc"
    update = UpdateOne({"b": 2}, {"$set": {"c": 3}})
    assert parts(update) == ({"b": 2}, {"$set": {"c": 3}}), "pymongo: UpdateOne._filter/_doc"
    assert parts(DeleteOne({"d": 4})) == ({"d": 4}, None), "pymongo: DeleteOne._filter"


def test_marshmallow_still_exposes_dump_hooks_and_attribute_reads():
    class Hooked(Schema):
        name = fields.String()
        computed = fields.Function(lambda obj: 1)

        @pre_dump
        def before(self, obj, **kwargs):
            return obj

        @post_dump(pass_collection=True)
        def after(self, data, **kwargs):
            return data

    pre, post = library_internals.dump_hooks(Hooked())
    assert pre == [("before", False)], "marshmallow: Schema._hooks[PRE_DUMP]"
    assert post == [("after", True)], "marshmallow: Schema._hooks[POST_DUMP]"
    schema = Hooked()
    assert library_internals.reads_attribute(schema.fields["name"]) is True
    assert library_internals.reads_attribute(schema.fields["computed"]) is False, (
        "marshmallow: Field._CHECK_ATTRIBUTE"
    )
    signature = inspect.signature(fields.Field._serialize)
    assert list(signature.parameters)[:4] == ["self", "value", "attr", "obj"], (
        "marshmallow: Field._serialize(value, attr, obj) changed"
    )
