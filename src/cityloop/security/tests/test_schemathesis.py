"""Schemathesis against the committed OpenAPI document (docs/openapi.json), in WSGI mode (no server).

Every operation gets at most MAX_EXAMPLES generated requests, authenticated as an administrator with a bearer
token; each response must not be a server error and must conform to the document (status code, content type,
headers, body schema). Bounded so that the whole run stays well under a minute.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from cityloop.config.wsgi import application
from cityloop.conftest import World
from cityloop.security.services import api_token_create
from cityloop.tickets.tests.flows import drive, new_ticket

# a test dependency (pin schemathesis==4.32.5); without it this module is skipped, not broken
schemathesis = pytest.importorskip("schemathesis")
checks = schemathesis.checks

DOCUMENT = Path(__file__).resolve().parents[4] / "docs" / "openapi.json"
MAX_EXAMPLES = 25

# Deviations found by this run (2026-11-29) and reported to the API's owners: each excludes named checks on
# one operation; "no server error" and "the body conforms to its schema" stay on everywhere. Remove an entry once
# its cause is fixed.
KNOWN_DEVIATIONS: dict[str, tuple[Any, str]] = {  # operation -> (check or checks, why)
    "GET /api/tickets": (checks.status_code_conformance,
                         "422 for an unparsable filter (?unit_id=null) is not in the paginated list's document"),
    "POST /api/tickets": ((checks.positive_data_acceptance, checks.negative_data_rejection),
                          "a category_id that names no category is refused with 422 (a business rule); some "
                          "inputs the document forbids are still accepted by pydantic's lax parsing"),
}

schema = schemathesis.openapi.from_path(DOCUMENT)
schema.app = application


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """The WSGI app is called directly, not through Django's test client, so do what that client does: keep
    request signals from closing the connection that holds the test's transaction (PostgreSQL would lose it)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(world: World) -> str:
    drive(world, new_ticket(world), "dispatched")  # something to read, act on and list
    _, key = api_token_create(user=world.users["admin"], name="schemathesis")
    return key


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=2000, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case: Any, admin_token: str) -> None:
    known = KNOWN_DEVIATIONS.get(case.operation.label)
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"},
                           excluded_checks=list(known[0]) if known and isinstance(known[0], tuple)
                           else [known[0]] if known else None)
