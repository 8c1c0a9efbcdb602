import csv
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from cityloop.security.models import AuditEntry
from cityloop.tickets.services import TicketInput, TransitionInput, ticket_create, ticket_transition


@pytest.fixture
def tickets(world: Any) -> list[Any]:
    made = []
    for i, name in enumerate(["王小明", "李四"]):
        data = TicketInput(channel="phone", ticket_type="complaint", title=f"=HYPERLINK(\"x\") 问题{i}",
                           description="路灯不亮", category_id=world.category.pk, citizen_name=name,
                           citizen_phone=f"1390000000{i}", citizen_email=f"p{i}@example.org",
                           latitude=30.605, longitude=114.305)
        made.append(ticket_create(actor=world.users["operator"], data=data)[0])
    ticket_transition(ticket_id=made[0].pk, action="dispatch", actor=world.users["dispatcher"],
                      params=TransitionInput(unit_id=world.department.pk))
    return made


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(path.open(encoding="utf-8-sig")))


def test_csv_export_is_scoped_masked_and_stamped(world: Any, tickets: list[Any], tmp_path: Path) -> None:
    out = tmp_path / "analyst.csv"
    call_command("export", "tickets", "--user", "analyst", "--format", "csv", "--out", str(out), "--language", "en")
    rows = read_csv(out)
    assert rows[0][0].startswith("Exported by analyst at ")
    assert rows[1][:2] == ["Ticket number", "Received at"]
    body = rows[2:]
    assert [r[0] for r in body] == [t.number for t in tickets]
    header = rows[1]
    name, phone, email = (header.index(c) for c in ("Citizen name", "Citizen phone", "Citizen e-mail"))
    assert [(r[name], r[phone], r[email]) for r in body] == [("王**", "139****0000", "p***@example.org"),
                                                           ("李*", "139****0001", "p***@example.org")]
    assert body[0][header.index("Title")].startswith("'=HYPERLINK")  # no formula reaches a spreadsheet
    assert AuditEntry.objects.filter(action="ticket.export", actor=world.users["analyst"]).count() == 1


def test_export_shows_contacts_to_those_allowed_and_only_visible_tickets(world: Any, tickets: list[Any],
                                                                       tmp_path: Path) -> None:
    out = tmp_path / "handler.csv"
    call_command("export", "tickets", "--user", "handler", "--format", "csv", "--out", str(out))
    body = read_csv(out)[2:]
    assert [r[0] for r in body] == [tickets[0].number]  # only what the department handles
    assert "王小明" in body[0]
    assert "13900000000" in body[0]
    out = tmp_path / "other.csv"
    call_command("export", "tickets", "--user", "other_handler", "--format", "csv", "--out", str(out))
    assert read_csv(out)[2:] == []


def test_xlsx_export_and_status_filter(world: Any, tickets: list[Any], tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    call_command("export", "tickets", "--user", "operator", "--format", "xlsx", "--out", str(out), "--status",
                 "received")
    workbook = load_workbook(out, read_only=True)
    assert workbook.properties.creator == "operator"
    assert "operator" in (workbook.properties.description or "")
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert "operator" in str(rows[0][0])
    assert [r[0] for r in rows[2:]] == [tickets[1].number]
    assert rows[2][14] == "李四"  # the operator may see contact details


def test_export_unknown_user(world: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        call_command("export", "tickets", "--user", "nobody", "--format", "csv", "--out", str(tmp_path / "x.csv"))
    assert not (tmp_path / "x.csv").exists()
