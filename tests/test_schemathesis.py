"""Property-based conformance of the JSON API to its own OpenAPI schema (schemathesis, all checks).

Bounded: a fixed number of generated examples per operation, derandomized, on the session build.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

MAX_EXAMPLES = 20


@pytest.fixture(scope="module")
def api_schema(built_data):
    from api.web.app import create_app

    app = create_app(built_data)
    app.state.kg.warm()  # the first search loads the index and the model: not what is tested here
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_api_conforms_to_its_schema(api_schema):
    failures = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate()

        try:
            check()
        except BaseException as e:  # noqa: BLE001 - a FailureGroup; collected, reported together below
            failures[operation.label] = f"{type(e).__name__}: {str(e)[:1500]}"
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
