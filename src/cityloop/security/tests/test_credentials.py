"""The per-process credential cache of bearer tokens: fast, but never wrong for long."""

import json

import pytest
from django.test import Client

from cityloop.conftest import World
from cityloop.organisation.models import Membership
from cityloop.security import services
from cityloop.security.models import ApiToken
from cityloop.security.services import api_token_authenticate, api_token_create
from cityloop.tickets.models import Ticket

BODY = {"channel": "phone", "ticket_type": "complaint", "title": "路灯不亮", "description": "路灯一周不亮。",
        "citizen_name": "李女士", "citizen_phone": "13900001111"}


def create(client: Client) -> int:
    return int(client.post("/api/tickets", json.dumps(BODY), content_type="application/json").status_code)


def filed_for(client: Client) -> int | None:
    """Whose own demand the ticket the client files is (None: staff filing for a caller)."""
    ticket_id = client.post("/api/tickets", json.dumps(BODY), content_type="application/json").json()["id"]
    return Ticket.objects.get(pk=ticket_id).citizen_id


@pytest.fixture
def operator(world: World) -> tuple[ApiToken, Client]:
    token, key = api_token_create(user=world.users["operator"], name="cache")
    return token, Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_a_revocation_saved_in_this_process_takes_effect_at_once(operator: tuple[ApiToken, Client]) -> None:
    token, client = operator
    assert create(client) == 201  # the answer is cached now
    token.revoked_at = token.created_at
    token.save()
    assert create(client) == 401


def test_a_removed_membership_takes_effect_at_once(world: World, operator: tuple[ApiToken, Client]) -> None:
    _, client = operator
    assert filed_for(client) is None
    Membership.objects.get(user=world.users["operator"]).delete()
    # no longer staff: what they file now is their own demand
    assert filed_for(client) == world.users["operator"].pk


def test_a_change_made_elsewhere_takes_effect_within_the_ttl(operator: tuple[ApiToken, Client]) -> None:
    token, client = operator
    assert create(client) == 201
    # As the command line does it, in another process: no signal reaches this one.
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=token.created_at)
    assert create(client) == 201  # still the cached answer
    for key_hash, (_, user) in list(services._credentials.items()):
        services._credentials[key_hash] = (0.0, user)  # as when CREDENTIAL_TTL has passed
    assert create(client) == 401


def test_each_request_gets_its_own_user_object(world: World) -> None:
    _, key = api_token_create(user=world.users["operator"], name="copies")
    first, second = api_token_authenticate(key), api_token_authenticate(key)
    assert first is not second
    assert first.pk == second.pk == world.users["operator"].pk
    first.note = "a request's annotation"
    assert not hasattr(second, "note")
    assert api_token_authenticate("cl_not-a-key") is None
