"""Shared helpers of the portal tests."""

from typing import Any

from django.test import Client

from cityloop.conftest import World
from cityloop.tickets.models import Ticket
from cityloop.tickets.tests.flows import new_ticket

PHONE = "13812345678"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def report_data(**overrides: Any) -> dict[str, Any]:
    data = {"ticket_type": "complaint", "title": "路灯不亮", "description": "望江路12号门口路灯坏了一周。",
            "address": "望江路12号", "latitude": "30.605", "longitude": "114.305", "citizen_name": "李女士",
            "citizen_phone": "138 1234 5678", "citizen_email": "", "idempotency_key": "0" * 31 + "1"}
    data.update(overrides)
    return data


def own_ticket(world: World, username: str = "citizen", **overrides: Any) -> Ticket:
    """A ticket recorded by the operator and linked to a citizen account, as the portal's sign-in does."""
    ticket = new_ticket(world, **overrides)
    Ticket.objects.filter(pk=ticket.pk).update(citizen=world.users[username])
    ticket.refresh_from_db()
    return ticket


def signed_in(world: World, username: str = "citizen") -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(world.users[username])
    return client


def english() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client
