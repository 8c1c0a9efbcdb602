"""Callbacks, exemptions and the stored figures against the real workflow and the simulated city."""

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from cityloop.assessment import selectors, services
from cityloop.assessment.choices import ReviewKind
from cityloop.assessment.models import AssessmentResult, CallbackAttempt, Exemption, SupervisorReview
from cityloop.conftest import World
from cityloop.core import clock
from cityloop.core.errors import Conflict, InvalidInput, NotFound
from cityloop.tickets.choices import Status
from cityloop.tickets.models import Ticket
from cityloop.tickets.services import PermissionDenied, TransitionInput, ticket_transition
from cityloop.tickets.tests.flows import drive, new_ticket

OCT = dt.datetime(2026, 10, 12, 2, 0, tzinfo=dt.UTC)  # a Monday, 10:00 in the city


def completed(world: World) -> Ticket:
    return drive(world, new_ticket(world), "completed")


def test_callback_unsatisfied_reopens_then_goes_to_a_supervisor(world: World) -> None:
    with clock.frozen_at(OCT):
        ticket = completed(world)
        for round_ in range(3):
            ticket = services.callback_record(ticket_id=ticket.pk, actor=world.users["operator"], resolved=False,
                                              satisfaction="unsatisfied", note="没解决")
            if round_ < 2:
                assert ticket.status == Status.DISPATCHED
                assert ticket.reopen_count == round_ + 1
                ticket = _finish(world, ticket)
        assert ticket.status == Status.CLOSED
        assert ticket.reopen_count == 2
        assert SupervisorReview.objects.filter(ticket=ticket, kind=ReviewKind.REOPEN_LIMIT).count() == 1
        assert CallbackAttempt.objects.filter(ticket=ticket, outcome="reached").count() == 3
        # the figures: counted once, at the final callback, and reopened
        services.assessment_compute(month="2026-10")
        unit = AssessmentResult.objects.get(scope_kind="unit", scope_id=world.department.pk).figures
        assert (unit["called_back"], unit["unsatisfied"], unit["reopened"], unit["reopen_rate"]) == (1, 1, 1, 1.0)


def test_callbacks_recorded_elsewhere_have_the_same_consequences(world: World) -> None:
    """Through the workflow action (ticket page, API): the reached attempt is kept, and an unsatisfied answer
    after the last reopening goes to the supervisor, as on the callback page."""
    satisfied, last = completed(world), completed(world)
    ticket_transition(ticket_id=satisfied.pk, action="callback", actor=world.users["operator"],
                      params=TransitionInput(resolved=True, satisfaction="satisfied", note="满意"))
    Ticket.objects.filter(pk=last.pk).update(reopen_count=2)
    ticket_transition(ticket_id=last.pk, action="callback", actor=world.users["operator"],
                      params=TransitionInput(resolved=False, satisfaction="unsatisfied", note="还是没修"))
    assert sorted(CallbackAttempt.objects.values_list("ticket_id", "outcome", "note")) == sorted([
        (satisfied.pk, "reached", "满意"), (last.pk, "reached", "还是没修")])
    assert list(SupervisorReview.objects.values_list("ticket_id", "kind", "reason")) == [
        (last.pk, ReviewKind.REOPEN_LIMIT, "还是没修")]
    assert Ticket.objects.get(pk=last.pk).status == Status.CLOSED


def _finish(world: World, ticket: Ticket) -> Ticket:
    for action, user, params in (("sign", "handler", {}), ("contact", "handler", {"note": "已联系"}),
                                 ("complete", "handler", {"reply": "已处理"})):
        ticket = ticket_transition(ticket_id=ticket.pk, action=action, actor=world.users[user],
                                   params=TransitionInput(**params))
    return ticket


def test_unreachable_attempts(world: World) -> None:
    with clock.frozen_at(OCT):
        ticket = completed(world)
        for _ in range(3):
            services.callback_attempt_record(ticket_id=ticket.pk, actor=world.users["operator"])
        services.assessment_compute(month="2026-10")
    unit = AssessmentResult.objects.get(scope_kind="unit", scope_id=world.department.pk).figures
    assert (unit["unreachable"], unit["called_back"], unit["unsatisfied"]) == (1, 0, 0)
    with pytest.raises(NotFound):
        services.callback_attempt_record(ticket_id=ticket.pk, actor=world.users["other_handler"])


def test_unreachable_attempts_count_from_the_latest_completion(world: World) -> None:
    """Two missed calls, then the citizen answers unsatisfied: the reopened ticket's next round starts at zero."""
    operator = world.users["operator"]
    with clock.frozen_at(OCT):
        ticket = completed(world)
        for _ in range(2):
            services.callback_attempt_record(ticket_id=ticket.pk, actor=operator)
    with clock.frozen_at(OCT + dt.timedelta(hours=1)):
        ticket = services.callback_record(ticket_id=ticket.pk, actor=operator, resolved=False,
                                          satisfaction="unsatisfied")
        assert ticket.status == Status.DISPATCHED
    with clock.frozen_at(OCT + dt.timedelta(hours=2)):
        ticket = _finish(world, ticket)
        for expected in (1, 2):
            services.callback_attempt_record(ticket_id=ticket.pk, actor=operator)
            callback = selectors.callback_get(operator, ticket.pk)
            assert (callback.unreachable, callback.waiting) == (expected, True)
        services.assessment_compute(month="2026-10")
    assert Ticket.objects.get(pk=ticket.pk).status == Status.COMPLETED
    unit = AssessmentResult.objects.get(scope_kind="unit", scope_id=world.department.pk).figures
    assert unit["unreachable"] == 0
    with clock.frozen_at(OCT + dt.timedelta(hours=3)):
        services.callback_attempt_record(ticket_id=ticket.pk, actor=operator)
        services.assessment_compute(month="2026-10")
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED
    unit = AssessmentResult.objects.get(scope_kind="unit", scope_id=world.department.pk).figures
    assert unit["unreachable"] == 1


def test_exemption_request_and_decision(world: World) -> None:
    with clock.frozen_at(OCT):
        ticket = completed(world)
        with pytest.raises(PermissionDenied):
            services.exemption_request(ticket_id=ticket.pk, actor=world.users["operator"], kind="unreasonable",
                                       evidence="x")
        with pytest.raises(InvalidInput):
            services.exemption_request(ticket_id=ticket.pk, actor=world.users["handler"], kind="unreasonable",
                                       evidence=" ")
        exemption = services.exemption_request(ticket_id=ticket.pk, actor=world.users["handler"],
                                               kind="unreasonable", evidence="诉求超出政策范围", attachment="f/1.pdf")
        with pytest.raises(Conflict):
            services.exemption_request(ticket_id=ticket.pk, actor=world.users["handler"], kind="unreasonable",
                                       evidence="again")
        with pytest.raises(NotFound):
            services.exemption_decide(exemption_id=exemption.pk, actor=world.users["handler"], decision="approve")
        with pytest.raises(InvalidInput):
            services.exemption_decide(exemption_id=exemption.pk, actor=world.users["supervisor"], decision="reject")
        services.exemption_decide(exemption_id=exemption.pk, actor=world.users["supervisor"], decision="approve")
        with pytest.raises(Conflict):
            services.exemption_decide(exemption_id=exemption.pk, actor=world.users["supervisor"], decision="reject",
                                      reason="no")
        services.callback_record(ticket_id=ticket.pk, actor=world.users["operator"], resolved=True,
                                 satisfaction="satisfied")
        other = completed(world)
        services.callback_record(ticket_id=other.pk, actor=world.users["operator"], resolved=True,
                                 satisfaction="basically_satisfied")
        services.assessment_compute(month="2026-10")
    assert Exemption.objects.get().decided_by == world.users["supervisor"]
    unit = AssessmentResult.objects.get(scope_kind="unit", scope_id=world.department.pk).figures
    assert (unit["exempted"], unit["called_back"], unit["basically_satisfied"]) == (1, 1, 1)
    assert unit["satisfaction_rate"] == 0.8


def test_merged_and_moved_tickets_in_the_database(world: World) -> None:
    with clock.frozen_at(OCT):
        survivor = new_ticket(world)
        drive(world, survivor, "in_progress")
        merged = drive(world, new_ticket(world), "dispatched")
        ticket_transition(ticket_id=merged.pk, action="merge", actor=world.users["operator"],
                          params=TransitionInput(merged_into_id=survivor.pk))
        moved = drive(world, new_ticket(world), "returned")
        ticket_transition(ticket_id=moved.pk, action="dispatch", actor=world.users["dispatcher"],
                          params=TransitionInput(unit_id=world.other_department.pk))
        services.assessment_compute(month="2026-10", as_of=OCT + dt.timedelta(days=10))
    cells = {(r.scope_kind, r.scope_id): r.figures for r in AssessmentResult.objects.all()}
    assert cells[("unit", world.department.pk)]["response_due"] == 1  # the survivor; the merged one left out
    other = cells[("unit", world.other_department.pk)]
    assert (other["response_due"], other["responded"]) == (1, 0)  # moved: counts for the final unit
    assert cells[("street", world.street.pk)]["response_due"] == 2
    assert services.assessment_verify(month="2026-10") == []


@pytest.fixture
def city(db: Any) -> None:
    from cityloop.demo.simulate import simulate
    from cityloop.organisation.geo import reset_grid_index
    from cityloop.tickets.calendar import reset_working_calendar

    reset_working_calendar()
    reset_grid_index()
    end = dt.datetime(2026, 11, 3, 2, 0, tzinfo=dt.UTC)
    with clock.frozen_at(end):
        simulate(seed=3, tickets=2000, days=120, grids=12, end=end)
    reset_grid_index()


def test_simulated_city_compute_and_verify(city: None) -> None:
    out = StringIO()
    with clock.frozen_at(dt.datetime(2026, 11, 3, 2, 0, tzinfo=dt.UTC)):
        call_command("assessment", "compute", "--month", "2026-10", stdout=out)
        call_command("assessment", "verify", "--month", "2026-10", stdout=out)
    assert "match" in out.getvalue()
    # the extract of the month's relevant tickets gives the same figures as the whole log
    from cityloop.assessment import engine
    from cityloop.assessment.extract import load_log

    stored = AssessmentResult.objects.filter(period=dt.date(2026, 10, 1))
    as_of = stored[0].as_of
    _first, start, end = services.month_bounds("2026-10")
    whole = engine.compute(load_log(as_of=as_of), start, end, as_of, services.weights_for(2026))
    assert whole == {(r.scope_kind, r.scope_id): r.figures for r in stored}
    total = AssessmentResult.objects.get(scope_kind="city").figures
    units = AssessmentResult.objects.filter(scope_kind="unit")
    assert total["response_due"] == sum(r.figures["response_due"] for r in units) > 100
    assert total["called_back"] > 50
    assert 0 < total["satisfaction_rate"] <= 1
    assert sorted(r.figures["rank"] for r in units) == list(range(1, units.count() + 1))
    # a tampered cell is named
    row = units.first()
    assert row is not None
    row.figures["responded"] += 1
    row.save()
    with pytest.raises(CommandError):
        call_command("assessment", "verify", "--month", "2026-10", stdout=out, stderr=(err := StringIO()))
    assert f"unit:{row.scope_id}.responded" in err.getvalue()


def test_simulated_city_report(city: None, tmp_path: Any) -> None:
    import shutil
    import subprocess

    from docx import Document
    from openpyxl import load_workbook

    with clock.frozen_at(dt.datetime(2026, 11, 3, 2, 0, tzinfo=dt.UTC)):
        services.assessment_compute(month="2026-09")
        services.assessment_compute(month="2026-10")
        call_command("assessment", "report", "--month", "2026-10", "--out", str(tmp_path), stdout=StringIO())
    best = AssessmentResult.objects.get(period=dt.date(2026, 10, 1), scope_kind="unit", figures__rank=1)
    doc = Document(str(tmp_path / "assessment-2026-10.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "2026-10" in text
    ranking = doc.tables[1]
    assert ranking.rows[1].cells[0].text == "1"
    assert ranking.rows[1].cells[1].text == best.scope_name
    assert len(doc.inline_shapes) == 2  # the charts
    book = load_workbook(str(tmp_path / "assessment-2026-10.xlsx"))
    units = book.worksheets[0]
    assert units.cell(2, 1).value == 1
    assert units.cell(2, 2).value == best.scope_name
    assert units.max_row == AssessmentResult.objects.filter(period=dt.date(2026, 10, 1), scope_kind="unit").count() + 1
    assert any(str(units.cell(2, c).value).startswith(("+", "-")) for c in range(1, units.max_column + 1))
    soffice = shutil.which("libreoffice") or shutil.which("soffice")
    if soffice:
        subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                        str(tmp_path / "assessment-2026-10.docx")], check=True, timeout=120, capture_output=True)
        assert (tmp_path / "assessment-2026-10.pdf").stat().st_size > 1000
