"""Schemathesis fuzzing of every operation in the app's own /openapi.json, in-process (WSGI).

Positive and negative data; every response must be a non-5xx, and (where the
document describes it) conform to the documented status codes and schemas.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.reliability.tally import TALLY, record_status

MAX_EXAMPLES = 100
OPERATIONS = {
    ("POST", "/v1/analyze"),
    ("POST", "/v1/analyze/batch"),
    ("GET", "/v1/parties"),
    ("GET", "/v1/model"),
}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def schema(rel_app, quiet_access_log):
    return schemathesis.openapi.from_wsgi("/openapi.json", rel_app)


def _operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


def test_every_operation_is_fuzzed(schema):
    documented = {(op.method.upper(), op.path) for op in _operations(schema)}
    assert documented >= OPERATIONS, documented


@pytest.mark.timeout(150, method="thread")
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_fuzz_every_operation(schema, mode):
    fuzzed = 0
    for op in _operations(schema):
        strategy = op.as_strategy(generation_mode=mode)

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case):
            response = case.call()
            record_status(response.status_code, "fuzz cases tried")
            assert response.headers.get("x-content-type-options") == ["nosniff"]
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except Unsatisfiable:  # nothing to make invalid: no parameters and no body
            assert mode is GenerationMode.NEGATIVE and op.method.upper() == "GET", op.label
            TALLY[f"fuzz operations with nothing to negate ({mode.value})"] += 1
            continue
        fuzzed += 1
    assert fuzzed >= 1
