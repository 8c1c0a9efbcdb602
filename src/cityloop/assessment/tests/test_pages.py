"""Rankings, drill-down, report downloads and the review pages: who may see what."""

import datetime as dt
import io

from django.test import Client

from cityloop.assessment import services
from cityloop.assessment.models import Exemption
from cityloop.conftest import World
from cityloop.core import clock
from cityloop.tickets.tests.flows import drive, new_ticket

OCT = dt.datetime(2026, 10, 12, 2, 0, tzinfo=dt.UTC)


def signed_in(world: World, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    return client


def month_with_tickets(world: World) -> list[int]:
    with clock.frozen_at(OCT):
        ids = []
        for point in ((30.605, 114.305), (30.605, 114.325)):  # one in each street
            ticket = drive(world, new_ticket(world, latitude=point[0], longitude=point[1],
                                             description="门口垃圾三天没人清运。"), "completed")
            services.callback_record(ticket_id=ticket.pk, actor=world.users["operator"], resolved=True,
                                     satisfaction="satisfied")
            ids.append(ticket.pk)
        exemption = services.exemption_request(ticket_id=drive(world, new_ticket(world), "completed").pk,
                                               actor=world.users["handler"], kind="outside_jurisdiction",
                                               evidence="不在本市")
        services.assessment_compute(month="2026-10", as_of=OCT + dt.timedelta(hours=1))
    assert exemption.decision == ""
    return ids


def test_rankings_scope_and_drill_down(world: World) -> None:
    ids = month_with_tickets(world)
    unit = world.department.pk
    client = signed_in(world, "supervisor")
    page = client.get("/supervision/assessment/?month=2026-10&kind=unit")
    assert page.status_code == 200
    assert world.department.name in page.content.decode()
    assert client.get(f"/supervision/assessment/2026-10/unit/{unit}/").status_code == 200
    drill = client.get(f"/supervision/assessment/2026-10/unit/{unit}/called_back/")
    assert drill.status_code == 200
    assert [t.pk for t in drill.context["page"]] == ids
    # a street supervisor sees only the tickets of their street behind the same figure
    street = signed_in(world, "street_supervisor").get(f"/supervision/assessment/2026-10/unit/{unit}/called_back/")
    assert [t.pk for t in street.context["page"]] == ids[:1]


def test_pages_refused_to_others(world: World) -> None:
    month_with_tickets(world)
    client = signed_in(world, "handler")
    for url in ("/supervision/assessment/", f"/supervision/assessment/2026-10/unit/{world.department.pk}/responded/",
                "/supervision/assessment/2026-10/report.docx", "/supervision/reviews/"):
        assert client.get(url).status_code == 403
    exemption = Exemption.objects.get()
    assert client.post(f"/supervision/exemptions/{exemption.pk}/decide/",
                       {f"decide-{exemption.pk}-decision": "approve"}).status_code == 403
    assert Exemption.objects.get().decision == ""


def test_report_downloads_and_exemption_decision(world: World) -> None:
    from docx import Document
    from openpyxl import load_workbook

    month_with_tickets(world)
    client = signed_in(world, "supervisor")
    docx = client.get("/supervision/assessment/2026-10/report.docx")
    assert docx.status_code == 200
    assert "2026-10" in "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    xlsx = client.get("/supervision/assessment/2026-10/report.xlsx")
    assert load_workbook(io.BytesIO(xlsx.content)).worksheets[0].cell(2, 2).value == world.department.name
    assert client.get("/supervision/assessment/2026-10/report.pdf").status_code == 404
    reviews = client.get("/supervision/reviews/")
    exemption = Exemption.objects.get()
    assert reviews.status_code == 200
    assert [t.pk for t, _due, _n in reviews.context["callbacks"]] == [exemption.ticket_id]
    client.post(f"/supervision/exemptions/{exemption.pk}/decide/", {f"decide-{exemption.pk}-decision": "approve"})
    assert Exemption.objects.get().decision == "approve"
