"""The network's pages; thin: forms in, services and selectors do the work."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityloop.core.errors import ApplicationError, InvalidInput, NotFound
from cityloop.network import importing, selectors, services
from cityloop.network.forms import (
    ImportForm,
    ProgressForm,
    RatingForm,
    ReportForm,
    ServiceRequestForm,
    SurveyForm,
    VolunteerForm,
)
from cityloop.network.models import BuildingGroup, JointMeeting, Need
from cityloop.security.access import access_object, can
from cityloop.security.grants import CREATE, NETWORK_EDIT, VIEW


def _staff(request: HttpRequest) -> None:
    if not selectors.staff_scope(request.user):
        raise PermissionDenied


def _refused(request: HttpRequest, exc: ApplicationError, form: Any = None) -> None:
    if isinstance(exc, NotFound):
        raise Http404 from exc
    if form is not None and isinstance(exc, InvalidInput) and exc.details.get("field") in form.fields:
        form.add_error(exc.details["field"], exc.message)
    else:
        messages.error(request, exc.message)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    led = list(BuildingGroup.objects.filter(leader_id=request.user.pk).select_related("building"))
    if not selectors.staff_scope(request.user):
        if not led:
            raise PermissionDenied
        return render(request, "network/index.html", {"led": led, "committees": []})
    tree = selectors.building_tree(request.user)
    return render(request, "network/index.html", {"led": led, "committees": selectors.committees(tree)})


@login_required
def grid_tickets(request: HttpRequest) -> HttpResponse:
    _staff(request)
    open_tickets, history = selectors.building_tickets(request.user)
    return render(request, "network/grid.html", {"open_tickets": open_tickets, "history": history})


@login_required
def leader_report(request: HttpRequest, group_id: int) -> HttpResponse:
    group = BuildingGroup.objects.select_related("building").filter(pk=group_id).first()
    if group is None:
        raise Http404
    if group.leader_id != request.user.pk:
        try:
            access_object(request.user, CREATE, BuildingGroup.objects.all(), pk=group_id)
        except NotFound as exc:
            raise Http404 from exc
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.leader_report(actor=request.user, group_id=group_id, title=form.cleaned_data["title"],
                                            description=form.cleaned_data["description"])
        except ApplicationError as exc:
            _refused(request, exc, form)
        else:
            messages.success(request, _("Reported as ticket %(number)s.") % {"number": ticket.number})
            return redirect("network:index")
    return render(request, "network/report.html", {"group": group, "form": form})


@login_required
def offices(request: HttpRequest) -> HttpResponse:
    _staff(request)
    return render(request, "network/offices.html", {"offices": selectors.office_buildings(request.user),
                                                    "follow_ups": selectors.follow_ups(request.user)
                                                    .filter(done_at__isnull=True),
                                                    "can_edit": selectors.can_edit(request.user)})


@login_required
def office(request: HttpRequest, building_id: int) -> HttpResponse:
    _staff(request)
    try:
        building = selectors.office_building(request.user, building_id)
    except NotFound as exc:
        raise Http404 from exc
    last = building.surveys.first()
    initial = last.facts if last else {"floors": building.floors, "floor_area": building.floor_area,
                                       "property_manager": building.property_manager}
    survey_form = SurveyForm(request.POST if "survey" in request.POST else None, initial=initial,
                             prefix="survey")
    request_form = ServiceRequestForm(request.POST if "request" in request.POST else None, prefix="request")
    if request.method == "POST" and "survey" in request.POST and survey_form.is_valid():
        try:
            survey = services.survey_record(actor=request.user, building_id=building.pk,
                                            facts=services.SurveyFacts(**survey_form.cleaned_data))
        except ApplicationError as exc:
            _refused(request, exc, survey_form)
        else:
            messages.success(request, _("Survey saved: %(n)s facts changed.") % {"n": len(survey.changes)})
            return redirect("network:office", building_id=building.pk)
    if request.method == "POST" and "request" in request.POST and request_form.is_valid():
        try:
            ticket = services.service_request(
                actor=request.user, building_id=building.pk, enterprise_name=request_form.cleaned_data["enterprise"],
                title=request_form.cleaned_data["title"], description=request_form.cleaned_data["description"])
        except ApplicationError as exc:
            _refused(request, exc, request_form)
        else:
            messages.success(request, _("Reported as ticket %(number)s.") % {"number": ticket.number})
            return redirect("network:office", building_id=building.pk)
    policy = getattr(building, "policy", None)
    return render(request, "network/office.html", {
        "building": building, "station": getattr(building, "station", None),
        "can_edit": can(request.user, NETWORK_EDIT, building),
        "enterprises": selectors.enterprises_of(building), "rating_form": RatingForm(),
        "surveys": _survey_rows(list(building.surveys.select_related("surveyor")[:11])), "survey_form": survey_form,
        "request_form": request_form, "policy": policy,
        "measures": list(policy.measures.all()) if policy else [],
        "organisations": list(building.party_organisations.all()),
        "follow_ups": list(selectors.follow_ups(request.user).filter(enterprise__building=building)),
    })


def _survey_rows(surveys: list[Any]) -> list[tuple[Any, list[tuple[str, Any, Any]], bool]]:
    """(survey, [(fact label, before, after)], whether it is the first survey) for the ten latest."""
    fields = SurveyForm.base_fields
    rows = []
    for n, survey in enumerate(surveys[:10]):
        changes = [(str(fields[key].label) if key in fields else key, before, after)
                   for key, (before, after) in survey.changes.items()]
        rows.append((survey, changes, n == len(surveys) - 1 and len(surveys) <= 10))
    return rows


@require_POST
@login_required
def enterprise_rate(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    form = RatingForm(request.POST)
    building_id = request.POST.get("building", "")
    if form.is_valid():
        try:
            follow_up = services.enterprise_rate(actor=request.user, enterprise_id=enterprise_id,
                                                 rating=form.cleaned_data["rating"], note=form.cleaned_data["note"])
        except ApplicationError as exc:
            _refused(request, exc)
        else:
            if follow_up is not None:
                messages.warning(request, _("Rating dropped: a follow-up is due by %(date)s.")
                                 % {"date": follow_up.due_date.isoformat()})
            else:
                messages.success(request, _("Rating saved."))
    if building_id.isdigit():
        return redirect("network:office", building_id=int(building_id))
    return redirect("network:offices")


@require_POST
@login_required
def follow_up_done(request: HttpRequest, follow_up_id: int) -> HttpResponse:
    try:
        services.follow_up_done(actor=request.user, follow_up_id=follow_up_id)
    except ApplicationError as exc:
        _refused(request, exc)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = ""
    return redirect(target or "network:offices")


@login_required
def organisations(request: HttpRequest) -> HttpResponse:
    _staff(request)
    from cityloop.network.models import PartyMember
    from cityloop.security.access import visible_to

    members = visible_to(request.user, VIEW, PartyMember.objects.select_related("organisation"))
    return render(request, "network/organisations.html", {
        "organisations": selectors.organisations(request.user), "members": members[:200],
        "volunteer_form": VolunteerForm(), "can_edit": selectors.can_edit(request.user)})


@require_POST
@login_required
def volunteer(request: HttpRequest, member_id: int) -> HttpResponse:
    form = VolunteerForm(request.POST)
    if form.is_valid():
        try:
            services.member_volunteer(actor=request.user, member_id=member_id, skills=form.cleaned_data["skills"])
        except ApplicationError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Registered as a volunteer."))
    return redirect("network:organisations")


@login_required
def meetings(request: HttpRequest) -> HttpResponse:
    _staff(request)
    return render(request, "network/meetings.html", {"meetings": selectors.meetings(request.user)})


@login_required
def meeting(request: HttpRequest, meeting_id: int) -> HttpResponse:
    _staff(request)
    try:
        joint = access_object(request.user, VIEW, JointMeeting.objects.all(), pk=meeting_id)
    except NotFound as exc:
        raise Http404 from exc
    needs, resources, projects = selectors.meeting_lists(joint)
    suggestions = {need.pk: services.match_suggestions(need)[:3] for need in needs if need.open}
    return render(request, "network/meeting.html", {
        "meeting": joint, "needs": [(need, suggestions.get(need.pk, [])) for need in needs],
        "resources": resources, "projects": projects, "progress_form": ProgressForm(),
        "can_edit": selectors.can_edit(request.user)})


@require_POST
@login_required
def project_create(request: HttpRequest, need_id: int) -> HttpResponse:
    need = Need.objects.filter(pk=need_id).first()
    if need is None:
        raise Http404
    resource_id = request.POST.get("resource", "")
    try:
        services.project_create(actor=request.user, need_id=need_id,
                                resource_id=int(resource_id) if resource_id.isdigit() else 0)
    except ApplicationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Project created."))
    return redirect("network:meeting", meeting_id=need.meeting_id)


@require_POST
@login_required
def project_progress(request: HttpRequest, project_id: int) -> HttpResponse:
    from cityloop.network.models import Project

    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        raise Http404
    form = ProgressForm(request.POST)
    if form.is_valid():
        try:
            services.project_progress(actor=request.user, project_id=project_id,
                                      progress=form.cleaned_data["progress"])
        except ApplicationError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Progress saved."))
    else:
        messages.error(request, _("Progress is a percentage from 0 to 100."))
    return redirect("network:meeting", meeting_id=project.meeting_id)


@login_required
def workers(request: HttpRequest) -> HttpResponse:
    _staff(request)
    return render(request, "network/workers.html", {
        "workers": selectors.workers(request.user), "workloads": selectors.workloads(request.user)})


@login_required
def import_data(request: HttpRequest) -> HttpResponse:
    _staff(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = importing.import_workbook(actor=request.user, file=form.cleaned_data["file"])
        except ApplicationError as exc:
            _refused(request, exc, form)
    return render(request, "network/import.html", {"form": form, "report": report,
                                                   "can_edit": selectors.can_edit(request.user)})


@require_POST
@login_required
def measure_progress(request: HttpRequest, measure_id: int) -> HttpResponse:
    from cityloop.network.models import PolicyMeasure

    measure = PolicyMeasure.objects.select_related("policy").filter(pk=measure_id).first()
    if measure is None:
        raise Http404
    form = ProgressForm(request.POST)
    if form.is_valid():
        try:
            services.measure_progress(actor=request.user, measure_id=measure_id,
                                      progress=form.cleaned_data["progress"])
        except ApplicationError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Progress saved."))
    else:
        messages.error(request, _("Progress is a percentage from 0 to 100."))
    return redirect("network:office", building_id=measure.policy.building_id)
