"""schemathesis against /api/openapi.json: no server error, and answers match the documented schemas.

Every operation is exercised with generated valid and invalid input, with an
admin token so that protected operations run too. Examples are bounded so the
run takes a few minutes at most.
"""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from comments_service import create_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# The document does not depend on data, so it is read once from an app with no
# database; each case is then sent to the test app on the real PostgreSQL.
schema = schemathesis.openapi.from_wsgi(
    "/api/openapi.json", create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "REDIS_URL": None})
)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_api_conforms(case, app, tokens):
    headers = {"Authorization": f"Bearer {tokens['admin']}", "X-Reader-Token": "schemathesis-reader-token"}
    if case.headers and "X-Edit-Token" in case.headers:
        headers["X-Edit-Token"] = case.headers["X-Edit-Token"]
    response = case.call_and_validate(app=app, headers=headers, checks=CHECKS)
    # call_and_validate raises on any failed check; the answer is also never a server error.
    assert response.status_code < 500
