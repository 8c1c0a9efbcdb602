"""Participation pages: thin views that parse, call one service or selector, and render."""

import csv
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityloop.core.errors import ApplicationError, NotFound
from cityloop.organisation.models import Unit
from cityloop.participation import selectors, services
from cityloop.participation.access import is_verified_resident, keeps_resident_lists, listed_entries, runs_unit
from cityloop.participation.choices import BookingChannel, Phase
from cityloop.participation.docx import report_docx
from cityloop.participation.forms import (
    AnswerForm,
    BookingForm,
    ConsultationForm,
    DecisionForm,
    EntryForm,
    IssueForm,
    OpinionForm,
    PublishForm,
    RecordForm,
    ResidentListForm,
    ScheduleForm,
    StanceForm,
    SurveyForm,
    TicketOpinionForm,
    VersionForm,
)
from cityloop.participation.models import Consultation, LiaisonStation, ListedResident, Section
from cityloop.participation.residents import read_resident_file
from cityloop.tickets.models import Ticket


def _refusal(form: Any, exc: ApplicationError) -> None:
    field = exc.details.get("field", "")
    form.add_error(field if field in form.fields else None, exc.message)


def _consultation(request: HttpRequest, consultation_id: int) -> Consultation:
    try:
        return selectors.consultation_get(request.user, consultation_id)
    except NotFound as exc:
        raise Http404 from exc


def _staff_consultation(request: HttpRequest, consultation_id: int) -> Consultation:
    consultation = _consultation(request, consultation_id)
    if not selectors.consultation_can_run(request.user, consultation):
        raise PermissionDenied
    return consultation


# --- consultations (public) ----------------------------------------------------------------------------------


def consultation_list(request: HttpRequest) -> HttpResponse:
    return render(request, "participation/consultation_list.html",
                  {"consultations": selectors.consultation_list_public(),
                   "keeps_lists": keeps_resident_lists(request.user)})


def consultation_detail(request: HttpRequest, consultation_id: int) -> HttpResponse:
    consultation = _consultation(request, consultation_id)
    version = selectors.version_current(consultation)
    sections = list(version.sections.all()) if version else []
    failed: OpinionForm | None = None
    status = 200
    if request.method == "POST":
        form = OpinionForm(request.POST)
        if form.is_valid():
            try:
                services.opinion_submit(actor=request.user, consultation_id=consultation.pk,
                                        body=form.cleaned_data["body"], section_id=form.cleaned_data["section"])
            except ApplicationError as exc:
                _refusal(form, exc)
            else:
                messages.success(request, _("Thank you: your opinion is recorded."))
                anchor = f"#section-{form.cleaned_data['section']}" if form.cleaned_data["section"] else "#whole"
                return redirect(reverse("participation:consultation", args=[consultation.pk]) + anchor)
        failed, status = form, 422
    failed_section = failed.data.get("section") if failed is not None else None
    rows: list[dict[str, Any]] = []
    for section in [None, *sections]:
        key = str(section.pk) if section else ""
        form = failed if failed is not None and (failed_section or "") == key else OpinionForm(
            initial={"section": section.pk if section else None}, auto_id=f"id_{key or 'whole'}_%s")
        rows.append({"section": section, "form": form})
    opinions = list(selectors.opinion_list_public(consultation))
    by_section: dict[int | None, list[Any]] = {}
    for opinion in opinions:
        by_section.setdefault(opinion.section_id, []).append(opinion)
    for row in rows:
        row["opinions"] = by_section.get(row["section"].pk if row["section"] else None, [])
    context = {"consultation": consultation, "version": version, "rows": rows,
               "open": selectors.comments_open(consultation), "verified": is_verified_resident(request.user),
               "can_run": selectors.consultation_can_run(request.user, consultation)}
    return render(request, "participation/consultation.html", context, status=status)


@require_POST
def opinion_support(request: HttpRequest, consultation_id: int, opinion_id: int) -> HttpResponse:
    try:
        added = services.opinion_support(actor=request.user, opinion_id=opinion_id)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your support is counted.") if added else _("You support this opinion already."))
    return redirect("participation:consultation", consultation_id)


@require_POST
def opinion_flag(request: HttpRequest, consultation_id: int, opinion_id: int) -> HttpResponse:
    try:
        services.opinion_flag(actor=request.user, opinion_id=opinion_id, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you: the moderators will look at it."))
    return redirect("participation:consultation", consultation_id)


@login_required
def consultation_new(request: HttpRequest) -> HttpResponse:
    offices = Unit.objects.filter(pk__in=[u.pk for u in Unit.objects.filter(active=True) if runs_unit(request.user, u)])
    if not offices.exists():
        raise PermissionDenied
    form = ConsultationForm(request.POST or None, offices=offices)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                consultation = services.consultation_create(
                    actor=request.user, title=data["title"], office_id=data["office"].pk, opens_at=data["opens_at"],
                    closes_at=data["closes_at"], summary=data["summary"],
                    sections=services.sections_from_text(data["text"]))
            except ApplicationError as exc:
                _refusal(form, exc)
            else:
                messages.success(request, _("The draft is saved; open it for comment when it is ready."))
                return redirect("participation:analysis", consultation.pk)
        status = 422
    return render(request, "participation/consultation_new.html", {"form": form}, status=status)


# --- analysis (staff) ----------------------------------------------------------------------------------------


@login_required
def analysis(request: HttpRequest, consultation_id: int) -> HttpResponse:
    consultation = _staff_consultation(request, consultation_id)
    data = selectors.consultation_analysis(consultation)
    sections = Section.objects.filter(version__consultation=consultation).order_by("-version__number", "position")
    context = {"consultation": consultation, "analysis": data, "entry_form": EntryForm(sections=sections),
               "ticket_form": TicketOpinionForm(), "publish_form": PublishForm(),
               "decision_form": DecisionForm(), "stance_form": StanceForm(), "version_form": VersionForm(),
               "versions": consultation.versions.order_by("-number")}
    return render(request, "participation/analysis.html", context)


def _staff_action(request: HttpRequest, consultation_id: int, call: Any, done: str) -> HttpResponse:
    """Run one service for the analysis page; a refusal is shown as a message and changes nothing."""
    _staff_consultation(request, consultation_id)
    try:
        call()
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("participation:analysis", consultation_id)


@login_required
@require_POST
def advance(request: HttpRequest, consultation_id: int) -> HttpResponse:
    return _staff_action(request, consultation_id, lambda: services.consultation_advance(
        actor=request.user, consultation_id=consultation_id), _("The consultation moved to its next phase."))


@login_required
@require_POST
def version(request: HttpRequest, consultation_id: int) -> HttpResponse:
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what changed and give the text."))
        return redirect("participation:analysis", consultation_id)
    data = form.cleaned_data
    return _staff_action(request, consultation_id, lambda: services.consultation_add_version(
        actor=request.user, consultation_id=consultation_id, note=data["note"],
        sections=services.sections_from_text(data["text"])), _("The new version is published."))


@login_required
@require_POST
def group(request: HttpRequest, consultation_id: int) -> HttpResponse:
    return _staff_action(request, consultation_id, lambda: services.opinions_group(
        actor=request.user, consultation_id=consultation_id), _("Similar opinions are grouped."))


@login_required
@require_POST
def decide(request: HttpRequest, consultation_id: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the decision."))
        return redirect("participation:analysis", consultation_id)
    data = form.cleaned_data
    return _staff_action(request, consultation_id, lambda: services.decision_set(
        actor=request.user, consultation_id=consultation_id, decision=data["decision"], reason=data["reason"],
        opinion_id=data["opinion"], group_id=data["group"]), _("The decision is recorded."))


@login_required
@require_POST
def hide(request: HttpRequest, consultation_id: int, opinion_id: int) -> HttpResponse:
    hidden = request.POST.get("hidden", "1") == "1"
    return _staff_action(request, consultation_id, lambda: services.opinion_hide(
        actor=request.user, opinion_id=opinion_id, reason=request.POST.get("reason", ""), hidden=hidden),
        _("The opinion is hidden.") if hidden else _("The opinion is shown again."))


@login_required
@require_POST
def stance(request: HttpRequest, consultation_id: int, opinion_id: int) -> HttpResponse:
    return _staff_action(request, consultation_id, lambda: services.opinion_set_stance(
        actor=request.user, opinion_id=opinion_id, stance=request.POST.get("stance", "")),
        _("The stance is corrected."))


@login_required
@require_POST
def regroup(request: HttpRequest, consultation_id: int, opinion_id: int) -> HttpResponse:
    raw = request.POST.get("group", "")
    group_id = int(raw) if raw.isdigit() else None
    return _staff_action(request, consultation_id, lambda: services.opinion_regroup(
        actor=request.user, opinion_id=opinion_id, group_id=group_id), _("The opinion is moved."))


@login_required
@require_POST
def enter(request: HttpRequest, consultation_id: int) -> HttpResponse:
    sections = Section.objects.filter(version__consultation_id=consultation_id)
    form = EntryForm(request.POST, sections=sections)
    if not form.is_valid():
        messages.error(request, _("Fill in the resident's name and the opinion."))
        return redirect("participation:analysis", consultation_id)
    data = form.cleaned_data
    point = data["contact_point"]
    return _staff_action(request, consultation_id, lambda: services.opinion_enter(
        actor=request.user, consultation_id=consultation_id, channel=data["channel"], body=data["body"],
        author_name=data["author_name"], author_contact=data["author_contact"],
        section_id=data["section"].pk if data["section"] else None, contact_point_id=point.pk if point else None),
        _("The opinion is recorded."))


@login_required
@require_POST
def from_ticket(request: HttpRequest, consultation_id: int) -> HttpResponse:
    number = request.POST.get("number", "").strip()
    ticket_id = Ticket.objects.filter(number=number).values_list("pk", flat=True).first() or 0
    return _staff_action(request, consultation_id, lambda: services.opinion_from_ticket(
        actor=request.user, consultation_id=consultation_id, ticket_id=ticket_id),
        _("The ticket is recorded as an opinion."))


@login_required
@require_POST
def publish(request: HttpRequest, consultation_id: int) -> HttpResponse:
    summary = request.POST.get("summary", "")
    response = _staff_action(request, consultation_id, lambda: services.report_publish(
        actor=request.user, consultation_id=consultation_id, summary=summary),
        _("The feedback report is published."))
    if Consultation.objects.filter(pk=consultation_id, phase=Phase.PUBLISHED).exists():
        return redirect("participation:report", consultation_id)
    return response


# --- the feedback report -------------------------------------------------------------------------------------


def _report_consultation(request: HttpRequest, consultation_id: int) -> Consultation:
    consultation = _consultation(request, consultation_id)
    if consultation.phase != Phase.PUBLISHED and not selectors.consultation_can_run(request.user, consultation):
        raise Http404
    return consultation


def report(request: HttpRequest, consultation_id: int) -> HttpResponse:
    consultation = _report_consultation(request, consultation_id)
    rows = selectors.report_rows(consultation)
    return render(request, "participation/report.html", {
        "consultation": consultation, "rows": rows, "counts": selectors.report_counts(rows),
        "preview": consultation.phase != Phase.PUBLISHED})


def report_download(request: HttpRequest, consultation_id: int) -> HttpResponse:
    consultation = _report_consultation(request, consultation_id)
    rows = selectors.report_rows(consultation)
    response = HttpResponse(report_docx(consultation, rows, selectors.report_counts(rows)),
                            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = f'attachment; filename="feedback-{consultation.pk}.docx"'
    return response


# --- surveys -------------------------------------------------------------------------------------------------


def survey(request: HttpRequest, survey_id: int) -> HttpResponse:
    try:
        item = selectors.survey_get(survey_id)
    except NotFound as exc:
        raise Http404 from exc
    status = 200
    form = SurveyForm(request.POST or None, survey=item)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.survey_respond(actor=request.user, survey_id=item.pk, answers=form.answers())
            except ApplicationError as exc:
                _refusal(form, exc)
            else:
                messages.success(request, _("Thank you: your answers are recorded."))
                return redirect("participation:survey_results", item.pk)
        status = 422
    verified = is_verified_resident(request.user)
    listed = item.residents_of is None or (verified and listed_entries(request.user, item.residents_of).exists())
    return render(request, "participation/survey.html", {
        "survey": item, "form": form, "verified": verified, "listed": listed}, status=status)


def survey_results(request: HttpRequest, survey_id: int) -> HttpResponse:
    try:
        item = selectors.survey_get(survey_id)
    except NotFound as exc:
        raise Http404 from exc
    results = selectors.survey_results(item)
    charts = [{"id": r["id"], "labels": r["labels"], "counts": r["counts"]} for r in results if "counts" in r]
    return render(request, "participation/survey_results.html", {
        "survey": item, "results": results, "charts": charts,
        "responses": item.responses.count()})


@login_required
def survey_csv(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Every response row by row (times, free texts): for those who run the survey only."""
    try:
        item = selectors.survey_get(survey_id)
    except NotFound as exc:
        raise Http404 from exc
    if not selectors.survey_can_run(request.user, item):
        raise PermissionDenied
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="survey-{item.pk}.csv"'
    response.write("\ufeff")  # so that Excel reads the Chinese as UTF-8
    csv.writer(response).writerows(selectors.survey_csv_rows(item))
    return response


# --- resident lists (community staff) ------------------------------------------------------------------------


@login_required
def resident_lists(request: HttpRequest) -> HttpResponse:
    communities = selectors.resident_communities(request.user)
    if not communities:
        raise PermissionDenied
    return render(request, "participation/resident_lists.html", {"communities": communities})


@login_required
def resident_list(request: HttpRequest, community_id: int) -> HttpResponse:
    """A community's list, masked, with the last import's refused rows; posting a file replaces the list."""
    try:
        community, current = selectors.resident_community_get(request.user, community_id)
    except NotFound as exc:
        raise Http404 from exc
    form = ResidentListForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                imported = services.resident_list_import(
                    actor=request.user, community_id=community.pk, file_name=upload.name,
                    content=read_resident_file(upload))
            except ApplicationError as exc:
                _refusal(form, exc)
            else:
                messages.success(request, _("The list of %(community)s now has %(n)d residents; %(rejected)d rows "
                                            "were refused.") % {"community": community.name,
                                                                "n": imported.residents.count(),
                                                                "rejected": len(imported.rejected)})
                return redirect("participation:resident_list", community.pk)
        status = 422
    residents = current.residents.all() if current else ListedResident.objects.none()
    page = Paginator(residents, 50).get_page(request.GET.get("page"))
    return render(request, "participation/resident_list.html", {
        "community": community, "resident_list": current, "form": form, "page": page,
        "rows": selectors.listed_rows(page.object_list),
        "rejected": selectors.rejected_rows(current) if current else []}, status=status)


# --- joint reception -----------------------------------------------------------------------------------------


def reception_list(request: HttpRequest) -> HttpResponse:
    stations = LiaisonStation.objects.filter(pk__in=[
        s.pk for s in LiaisonStation.objects.select_related("unit") if runs_unit(request.user, s.unit)])
    form = ScheduleForm(request.POST or None, stations=stations) if stations.exists() else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            step = dt.timedelta(minutes=data["slot_minutes"])
            slots, at = [], data["starts_at"]
            while at < data["ends_at"]:
                slots.append((at, data["capacity"]))
                at += step
            try:
                reception = services.reception_schedule(
                    actor=request.user, station_id=data["station"].pk, topic=data["topic"],
                    starts_at=data["starts_at"], ends_at=data["ends_at"],
                    deputy_ids=[d.pk for d in data["deputies"]], slots=slots)
            except ApplicationError as exc:
                _refusal(form, exc)
            else:
                messages.success(request, _("The reception is published."))
                return redirect("participation:reception", reception.pk)
        status = 422
    return render(request, "participation/reception_list.html", {
        "receptions": selectors.reception_list_upcoming(), "figures": selectors.deputy_figures(), "form": form},
        status=status)


def reception_detail(request: HttpRequest, reception_id: int) -> HttpResponse:
    try:
        reception = selectors.reception_get(reception_id)
    except NotFound as exc:
        raise Http404 from exc
    staff = runs_unit(request.user, reception.station.unit)
    slots = selectors.reception_slots(reception)
    status = 200
    form = BookingForm(request.POST or None, slots=slots)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.booking_create(actor=request.user, slot_id=data["slot"], name=data["name"],
                                        topic=data["topic"], phone=data["phone"], email=data["email"],
                                        channel=BookingChannel.PHONE if staff else BookingChannel.ONLINE)
            except ApplicationError as exc:
                _refusal(form, exc)
            else:
                messages.success(request, _("Your place is booked. Please come on time."))
                return redirect("participation:reception", reception.pk)
        status = 422
    return render(request, "participation/reception.html", {
        "reception": reception, "slots": slots, "form": form, "staff": staff,
        "verified": is_verified_resident(request.user)}, status=status)


@login_required
def reception_record(request: HttpRequest, reception_id: int) -> HttpResponse:
    try:
        reception = selectors.reception_get(reception_id)
    except NotFound as exc:
        raise Http404 from exc
    if not runs_unit(request.user, reception.station.unit):
        raise PermissionDenied
    record = selectors.reception_record_get(reception)
    status = 200
    record_form = RecordForm(deputies=reception.deputies.all(), initial={
        "attendees": record.attendees if record else "", "notes": record.notes if record else "",
        "deputies": list(record.received_by.all()) if record else []})
    issue_form = IssueForm(deputies=record.received_by.all() if record else reception.deputies.none())
    if request.method == "POST" and request.POST.get("form") == "record":
        record_form = RecordForm(request.POST, deputies=reception.deputies.all())
        if record_form.is_valid():
            data = record_form.cleaned_data
            try:
                services.reception_record(actor=request.user, reception_id=reception.pk,
                                          deputy_ids=[d.pk for d in data["deputies"]], attendees=data["attendees"],
                                          notes=data["notes"])
            except ApplicationError as exc:
                _refusal(record_form, exc)
            else:
                messages.success(request, _("The reception record is saved."))
                return redirect("participation:reception_record", reception.pk)
        status = 422
    elif request.method == "POST" and request.POST.get("form") == "issue" and record is not None:
        issue_form = IssueForm(request.POST, deputies=record.received_by.all())
        if issue_form.is_valid():
            data = issue_form.cleaned_data
            try:
                issue = services.reception_issue_add(actor=request.user, reception_id=reception.pk,
                                                     data=services.IssueInput(
                    deputy_id=data["deputy"].pk, citizen_name=data["citizen_name"],
                    citizen_phone=data["citizen_phone"], citizen_email=data["citizen_email"],
                    content=data["content"], outcome=data["outcome"], answer=data["answer"],
                    unit_id=data["unit"].pk if data["unit"] else None, motion_ref=data["motion_ref"]))
            except ApplicationError as exc:
                _refusal(issue_form, exc)
            else:
                messages.success(request, _("The issue is recorded.") if issue.ticket is None else
                                 _("The issue is recorded as ticket %(number)s.") % {"number": issue.ticket.number})
                return redirect("participation:reception_record", reception.pk)
        status = 422
    issues = record.issues.select_related("deputy", "ticket") if record else []
    return render(request, "participation/reception_record.html", {
        "reception": reception, "record": record, "record_form": record_form, "issue_form": issue_form,
        "issues": issues, "bookings": [b for s in reception.slots.prefetch_related("bookings") for b in
                                       s.bookings.all()]}, status=status)


@login_required
def deputy_followup(request: HttpRequest, deputy_id: int) -> HttpResponse:
    try:
        deputy = selectors.deputy_get(deputy_id)
    except NotFound as exc:
        raise Http404 from exc
    if not selectors.deputy_can_follow(request.user, deputy):
        raise PermissionDenied
    return render(request, "participation/deputy.html", {
        "deputy": deputy, "rows": selectors.deputy_followup(deputy), "answer_form": AnswerForm()})


@login_required
@require_POST
def issue_answer(request: HttpRequest, deputy_id: int, issue_id: int) -> HttpResponse:
    try:
        services.reception_issue_answer(actor=request.user, issue_id=issue_id, answer=request.POST.get("answer", ""),
                                        deputy_id=deputy_id)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The answer is recorded and the citizen told."))
    return redirect("participation:deputy", deputy_id)

