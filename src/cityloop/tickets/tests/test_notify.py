"""Who hears about a ticket's news: its caller, the callers of tickets merged into it, and subscribers."""

from typing import Any

from django.core import mail

from cityloop.conftest import World
from cityloop.portal.models import Subscription
from cityloop.tickets.services import TransitionInput, ticket_transition
from cityloop.tickets.tests.flows import drive, new_ticket


def test_completion_reaches_caller_merged_callers_and_subscribers(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    main = drive(world, new_ticket(world, citizen_email="first@example.org"), "in_progress")
    duplicate = new_ticket(world, citizen_email="second@example.org")
    Subscription.objects.create(ticket=main, email="neighbour@example.org")
    Subscription.objects.create(ticket=main, email="gone@example.org", active=False)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_transition(ticket_id=duplicate.pk, action="merge", actor=world.users["operator"],
                          params=TransitionInput(merged_into_id=main.pk))
        ticket_transition(ticket_id=main.pk, action="complete", actor=world.users["handler"],
                          params=TransitionInput(reply="已处理。"))
    merged_mail, completed_mail = mail.outbox[-2:]
    assert merged_mail.to == ["second@example.org"]
    assert completed_mail.to == ["first@example.org", "neighbour@example.org", "second@example.org"]
    assert main.number in completed_mail.subject
