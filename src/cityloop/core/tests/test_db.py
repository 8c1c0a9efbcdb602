from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save

from cityloop.core import clock
from cityloop.core.db import insert
from cityloop.security.models import AuditEntry
from cityloop.tickets.models import Ticket, TicketEvent
from cityloop.tickets.services import TicketInput, ticket_create

pytestmark = pytest.mark.django_db


def _ticket(world: Any) -> Ticket:
    return ticket_create(actor=world.users["operator"], data=TicketInput(
        channel="phone", ticket_type="complaint", title="垃圾堆积", description="门口垃圾三天没人清运"))[0]


MOMENT = clock.now()


def _event(ticket: Any, **values: Any) -> TicketEvent:
    return TicketEvent(ticket=ticket, action="receive", from_status="", to_status="received", at=MOMENT,
                       note="备注", data={"来源": "电话", "n": [1, 2]}, **values)


def _stored(event: TicketEvent) -> dict[str, Any]:
    return {f.attname: getattr(TicketEvent.objects.get(pk=event.pk), f.attname)
            for f in TicketEvent._meta.concrete_fields if f.attname != "id"}


def test_insert_writes_the_row_save_would(world: Any) -> None:
    ticket = _ticket(world)
    fast, usual = _event(ticket, actor=world.users["operator"]), _event(ticket, actor=world.users["operator"])
    insert(fast)
    usual.save()
    assert fast.pk is not None
    assert fast.pk != usual.pk
    assert not fast._state.adding
    assert _stored(fast) == _stored(usual)


def test_insert_keeps_a_given_primary_key_and_the_constraints(world: Any) -> None:
    ticket = _ticket(world)
    given = _event(ticket, pk=987_654)
    insert(given)
    assert TicketEvent.objects.get(pk=987_654).note == "备注"
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(_event(ticket, pk=987_654))
    assert TicketEvent.objects.filter(pk=987_654).count() == 1


def test_insert_saves_the_usual_way_when_someone_listens(world: Any) -> None:
    heard: list[int] = []

    def listener(sender: Any, instance: AuditEntry, created: bool, **kwargs: Any) -> None:
        heard.append(instance.pk)

    post_save.connect(listener, sender=AuditEntry)
    try:
        entry = AuditEntry(at=clock.now(), action="test.insert", object_type="test", data={})
        insert(entry)
    finally:
        post_save.disconnect(listener, sender=AuditEntry)
    assert heard == [entry.pk]
