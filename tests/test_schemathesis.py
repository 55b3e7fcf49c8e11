"""Property-based conformance of the JSON API to its own OpenAPI schema (schemathesis, all checks).

Bounded: a fixed number of generated examples per operation, on the session build.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

MAX_EXAMPLES = 20


@pytest.fixture(scope="module")
def api_schema(built_data):
    from api.web.app import create_app

    app = create_app(built_data)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_schema(case):
    case.call_and_validate()
