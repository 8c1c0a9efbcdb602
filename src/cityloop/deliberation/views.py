"""Deliberation pages: thin views that parse a form, call one service or selector, and render."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityloop.core.errors import ApplicationError, NotFound
from cityloop.deliberation import selectors, services
from cityloop.deliberation.access import manages, manages_any
from cityloop.deliberation.choices import PartyKind, StatementStatus
from cityloop.deliberation.forms import (
    BallotForm,
    BuildingForm,
    DocumentForm,
    MeetingForm,
    MinutesForm,
    OpinionForm,
    ProgressForm,
    ProxyForm,
    ResolutionForm,
    StatementForm,
    TaskForm,
    TopicForm,
    VoteForm,
)
from cityloop.deliberation.models import Building, Meeting, Owner, OwnersVote, Resolution, Statement, StatementVote
from cityloop.organisation.models import Area


def _topic(request: HttpRequest, pk: int) -> Any:
    try:
        return selectors.topic_get(request.user, pk)
    except NotFound:
        raise Http404 from None


def topic_list(request: HttpRequest) -> HttpResponse:
    return render(request, "deliberation/topic_list.html", {
        "topics": selectors.topics_visible(request.user)[:100], "can_create": manages_any(request.user)})


@login_required
def topic_new(request: HttpRequest) -> HttpResponse:
    if not manages_any(request.user):  # only organisers propose topics; the page is not for others
        raise PermissionDenied
    form = TopicForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            parties = [services.PartyInput(kind=k, name=str(PartyKind(k).label)) for k in data["parties"]]
            try:
                topic = services.topic_create(actor=request.user, title=data["title"], kind=data["kind"],
                                              area=data["area"], description=data["description"], parties=parties)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("deliberation:topic", pk=topic.pk)
        status = 422
    return render(request, "deliberation/topic_new.html", {"form": form}, status=status)


def _set_choices(form: forms.Form, choices: list[tuple[str, str]], *names: str) -> None:
    for name in names:
        field = form.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


def _building_choices(topic: Any) -> list[tuple[str, str]]:
    return [(str(b.pk), b.name) for b in Building.objects.filter(area__path__startswith=topic.area.path)]


def _owner_choices(building: Building) -> list[tuple[str, str]]:
    return [(str(o.pk), f"{o.name} ({o.key})") for o in building.owners.order_by("name")]


def topic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    topic = _topic(request, pk)
    manager = manages(request.user, topic.area)
    context: dict[str, Any] = {
        "topic": topic, "manager": manager, "history": selectors.topic_history(topic),
        "meetings": topic.meetings.prefetch_related("invitations", "opinions"),
        "votes": topic.votes.select_related("building"), "resolutions": topic.resolutions.prefetch_related("notes"),
        "parties": topic.parties.all(), "documents": topic.documents.all()}
    if manager:
        vote_form = VoteForm(prefix="vote")
        _set_choices(vote_form, _building_choices(topic), "building")
        context.update(meeting_form=MeetingForm(prefix="meeting"), document_form=DocumentForm(prefix="document"),
                       building_form=BuildingForm(prefix="building"), vote_form=vote_form,
                       resolution_form=ResolutionForm(prefix="resolution"), minutes_form=MinutesForm(prefix="minutes"),
                       progress_form=ProgressForm(prefix="progress"))
    if request.user.is_authenticated:
        context["opinion_form"] = OpinionForm(prefix="opinion")
    return render(request, "deliberation/topic_detail.html", context)


def _run(request: HttpRequest, form: forms.Form, call: Callable[[dict[str, Any]], Any], done: str,
         back: str) -> HttpResponse:
    """Validate, call the service, and come back with a message: the refusal's own words, or `done`."""
    if not form.is_valid():
        errors = "; ".join(f"{form.fields[f].label if f in form.fields else ''} {' '.join(map(str, e))}".strip()
                           for f, e in form.errors.items())
        messages.error(request, errors)
        return redirect(back)
    try:
        call(form.cleaned_data)
    except NotFound:
        raise Http404 from None  # the organisers' actions do not exist for anyone else
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(back)


@login_required
@require_POST
def topic_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    topic = _topic(request, pk)
    back = reverse("deliberation:topic", kwargs={"pk": topic.pk})
    user = request.user
    if action == "meeting":
        def meeting(d: dict[str, Any]) -> Any:
            invitees = []
            for line in d["invitees"].splitlines():
                name, _sep, email = line.partition(",")
                if name.strip():
                    invitees.append((name.strip(), email.strip()))
            return services.meeting_schedule(actor=user, topic=topic, kind=d["kind"], starts_at=d["starts_at"],
                                             place=d["place"], agenda=d["agenda"], online_url=d["online_url"],
                                             invitees=invitees)
        return _run(request, MeetingForm(request.POST, prefix="meeting"), meeting, _("Meeting scheduled."), back)
    if action == "document":
        form = DocumentForm(request.POST, request.FILES, prefix="document")
        return _run(request, form, lambda d: services.document_attach(
            actor=user, topic=topic, name=d["file"].name, content=d["file"].read()), _("Document attached."), back)
    if action == "building":
        def building(d: dict[str, Any]) -> Any:
            rows = services.read_roll(name=d["roll"].name, content=d["roll"].read())
            return services.building_with_roll(actor=user, area=topic.area, code=d["code"], name=d["name"],
                                               declared_area=d["declared_area"], rows=rows)
        return _run(request, BuildingForm(request.POST, request.FILES, prefix="building"), building,
                    _("Owners' roll imported."), back)
    if action == "vote":
        vote_form = VoteForm(request.POST, prefix="vote")
        _set_choices(vote_form, _building_choices(topic), "building")
        return _run(request, vote_form, lambda d: services.vote_open(
            actor=user, topic=topic, building=Building.objects.get(pk=d["building"]), question=d["question"],
            matter=d["matter"], closes_at=d["closes_at"]), _("Vote opened."), back)
    if action == "resolution":
        return _run(request, ResolutionForm(request.POST, prefix="resolution"), lambda d: services.resolution_adopt(
            actor=user, topic=topic, text=d["text"], responsible=d["responsible"], deadline=d["deadline"]),
            _("Resolution adopted."), back)
    raise Http404


@login_required
@require_POST
def meeting_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    meeting = get_object_or_404(Meeting.objects.select_related("topic__area"), pk=pk)
    topic = _topic(request, meeting.topic_id)
    back = reverse("deliberation:topic", kwargs={"pk": topic.pk})
    if action == "minutes":
        present = {int(i): "present" for i in request.POST.getlist("present") if i.isdigit()}
        online = {int(i): "online" for i in request.POST.getlist("online") if i.isdigit()}
        return _run(request, MinutesForm(request.POST, prefix="minutes"), lambda d: services.meeting_record(
            actor=request.user, meeting=meeting, minutes=d["minutes"], attendance={**present, **online}),
            _("Minutes recorded."), back)
    if action == "opinion":
        return _run(request, OpinionForm(request.POST, prefix="opinion"), lambda d: services.opinion_add(
            actor=request.user, meeting=meeting, speaker=d["speaker"], text=d["text"], online=not meeting.held),
            _("Opinion recorded."), back)
    raise Http404


def vote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    vote = get_object_or_404(OwnersVote.objects.select_related("building", "topic__area"), pk=pk)
    topic = _topic(request, vote.topic_id)
    manager = manages(request.user, topic.area)
    context: dict[str, Any] = {"vote": vote, "topic": topic, "manager": manager,
                               "ballots": vote.ballots.count(), "owners": vote.building.owners.count()}
    if manager and vote.status == "open":
        choices = _owner_choices(vote.building)
        ballot = BallotForm(prefix="ballot")
        _set_choices(ballot, choices, "owner")
        _set_choices(ballot, [("", "—"), *choices], "cast_by")
        proxy = ProxyForm(prefix="proxy")
        _set_choices(proxy, choices, "grantor", "holder")
        context.update(ballot_form=ballot, proxy_form=proxy,
                       cast=vote.ballots.select_related("owner", "cast_by").order_by("at"))
    return render(request, "deliberation/vote_detail.html", context)


@login_required
@require_POST
def vote_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    vote = get_object_or_404(OwnersVote.objects.select_related("building", "topic__area"), pk=pk)
    _topic(request, vote.topic_id)
    back = reverse("deliberation:vote", kwargs={"pk": vote.pk})
    owners = Owner.objects.filter(building=vote.building)
    choices = _owner_choices(vote.building)
    if action == "ballot":
        form = BallotForm(request.POST, prefix="ballot")
        _set_choices(form, choices, "owner")
        _set_choices(form, [("", "—"), *choices], "cast_by")
        return _run(request, form, lambda d: services.ballot_cast(
            actor=request.user, vote=vote, owner=owners.get(pk=d["owner"]), choice=d["choice"],
            cast_by=owners.get(pk=d["cast_by"]) if d["cast_by"] else None), _("Ballot recorded."), back)
    if action == "proxy":
        proxy_form = ProxyForm(request.POST, prefix="proxy")
        _set_choices(proxy_form, choices, "grantor", "holder")
        return _run(request, proxy_form, lambda d: services.proxy_register(
            actor=request.user, vote=vote, grantor=owners.get(pk=d["grantor"]), holder=owners.get(pk=d["holder"])),
            _("Proxy registered."), back)
    if action == "close":
        try:
            services.vote_close(actor=request.user, vote=vote)
        except NotFound:
            raise Http404 from None
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect(back)
    raise Http404


@login_required
@require_POST
def resolution_progress(request: HttpRequest, pk: int) -> HttpResponse:
    resolution = get_object_or_404(Resolution.objects.select_related("topic__area"), pk=pk)
    topic = _topic(request, resolution.topic_id)
    return _run(request, ProgressForm(request.POST, prefix="progress"), lambda d: services.resolution_progress(
        actor=request.user, resolution=resolution, progress=d["progress"], note=d["note"]),
        _("Progress recorded."), reverse("deliberation:topic", kwargs={"pk": topic.pk}))


def statements(request: HttpRequest, pk: int) -> HttpResponse:
    """The online deliberation: vote on statements, add one, see the opinion groups and the consensus."""
    topic = _topic(request, pk)
    manager = manages(request.user, topic.area)
    approved = list(topic.statements.filter(status=StatementStatus.APPROVED))
    mine: dict[int, int] = {}
    if request.user.is_authenticated:
        mine = dict(StatementVote.objects.filter(participant=request.user, statement__in=approved)
                    .values_list("statement_id", "value"))
    analysis, columns, _people = selectors.deliberation_analysis(topic)
    groups = [{"index": g.index + 1, "size": len(g.members),
               "representative": [{"statement": columns[int(r["statement"])], "kind": r["kind"], "p": r["p"]}
                                  for r in g.representative]} for g in analysis.groups]
    return render(request, "deliberation/statements.html", {
        "topic": topic, "manager": manager, "approved": [(s, mine.get(s.pk)) for s in approved],
        "pending": topic.statements.filter(status=StatementStatus.PENDING) if manager else [],
        "form": StatementForm(), "groups": groups, "consensus": [columns[j] for j in analysis.consensus],
        "chart": json.dumps(selectors.deliberation_chart(analysis)), "participants": len(analysis.participants)})


def statements_csv(request: HttpRequest, pk: int) -> HttpResponse:
    topic = _topic(request, pk)
    response = HttpResponse(selectors.deliberation_csv(topic), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="deliberation-{topic.pk}.csv"'
    return response


@login_required
@require_POST
def statement_add(request: HttpRequest, pk: int) -> HttpResponse:
    topic = _topic(request, pk)
    done = _("Statement added; it appears once a moderator approves it.")
    return _run(request, StatementForm(request.POST), lambda d: services.statement_add(
        actor=request.user, topic=topic, text=d["text"]), done,
        reverse("deliberation:statements", kwargs={"pk": topic.pk}))


@login_required
@require_POST
def statement_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    statement = get_object_or_404(Statement.objects.select_related("topic__area"), pk=pk)
    topic = _topic(request, statement.topic_id)
    try:
        if action in {"agree", "disagree", "pass"}:
            value = {"agree": 1, "disagree": -1, "pass": 0}[action]
            services.statement_vote(actor=request.user, statement=statement, value=value)
        elif action in {"approve", "reject"}:
            services.statement_moderate(actor=request.user, statement=statement, approve=action == "approve")
        else:
            raise Http404
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("deliberation:statements", pk=topic.pk)


def community_services(request: HttpRequest) -> HttpResponse:
    communities = Area.objects.filter(kind="community").order_by("path")
    chosen = communities.filter(pk=request.GET.get("community") or 0).first() or communities.first()
    return render(request, "deliberation/services.html", {
        "communities": communities, "chosen": chosen, "task_form": TaskForm(),
        "manager": chosen is not None and manages(request.user, chosen),
        "matters": services.assisted_matters_for(chosen) if chosen else [],
        "workload": selectors.community_workload(),
        "matches": selectors.service_matches(chosen) if chosen else []})


@login_required
@require_POST
def task_assign(request: HttpRequest, community_id: int) -> HttpResponse:
    community = get_object_or_404(Area, pk=community_id)
    back = reverse("deliberation:services") + f"?community={community.pk}"
    return _run(request, TaskForm(request.POST), lambda d: services.community_task_assign(
        actor=request.user, community=community, matter_code=d["matter_code"], title=d["title"]),
        _("Task given to the community."), back)
