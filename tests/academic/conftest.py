"""Helpers for the school-structure tests."""

import pytest


@pytest.fixture
def api(client, auth_headers):
    """Call the API as a role of a school: api('admin').post(path, json=...)."""

    class Caller:
        def __init__(self, role, school):
            self.headers = auth_headers(role, school)

        def __getattr__(self, method):
            def call(path, **kwargs):
                return client.open(
                    f"/api/v1{path}", method=method.upper(), headers=self.headers, **kwargs
                )

            return call

    return lambda role="admin", school="a": Caller(role, school)
