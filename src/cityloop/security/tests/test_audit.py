import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from cityloop.conftest import World
from cityloop.core.clock import frozen_at
from cityloop.security.audit import audit_record, audit_seal, audit_verify
from cityloop.security.models import AuditEntry
from cityloop.tickets.tests.flows import drive, new_ticket

LATER = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)


def test_every_ticket_change_is_audited_and_chained(world: World) -> None:
    ticket = drive(world, new_ticket(world), "signed")
    actions = list(AuditEntry.objects.filter(object_id=str(ticket.pk)).values_list("action", flat=True))
    assert actions == ["ticket.receive", "ticket.dispatch", "ticket.sign"]
    assert audit_seal(now=LATER) == AuditEntry.objects.count()
    result = audit_verify()
    assert (result.checked, result.first_broken, result.unsealed) == (AuditEntry.objects.count(), None, 0)


def test_an_edited_row_is_named(world: World) -> None:
    for _ in range(3):
        new_ticket(world)
    audit_record(actor=world.users["analyst"], action="ticket.export", object_type="ticket", data={"rows": 3})
    audit_seal(now=LATER)
    victim = AuditEntry.objects.order_by("seq")[2]
    with connection.cursor() as cursor:  # an administrator with database access covers their tracks
        cursor.execute("UPDATE security_auditentry SET data = %s WHERE id = %s", ['{"event": 0}', victim.pk])
    with translation.override("en"), pytest.raises(
            CommandError, match=rf"entry {victim.seq} \(id {victim.pk},.*its content was altered"):
        call_command("audit", "verify", stdout=StringIO())


def test_a_deleted_row_is_a_gap(world: World) -> None:
    for _ in range(3):
        new_ticket(world)
    audit_seal(now=LATER)
    entries = list(AuditEntry.objects.order_by("seq"))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM security_auditentry WHERE id = %s", [entries[1].pk])
    with translation.override("en"):
        result = audit_verify()
    assert result.first_broken == entries[2]
    assert result.reason == "an entry before it is missing"


def test_new_entries_wait_for_the_seal(world: World) -> None:
    with frozen_at(LATER):  # written "now", as far as the seal run below can tell
        new_ticket(world)
    assert audit_seal(now=LATER) == 0  # too young to seal: its transaction might still be open
    out = StringIO()
    with translation.override("en"):
        call_command("audit", "verify", stdout=out)
    assert "0 entries verified, 1 waiting to be sealed" in out.getvalue()
