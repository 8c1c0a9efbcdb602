"""Writes of the organisation network; each checks scope, runs in one transaction and records the audit trail."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _

from cityloop.core import clock
from cityloop.core.errors import Conflict, InvalidInput, NotFound
from cityloop.network.models import (
    RATING_ORDER,
    BuildingGroup,
    BuildingSurvey,
    Enterprise,
    FollowUp,
    LeaderNotice,
    Need,
    OfficeBuilding,
    PartyMember,
    PolicyMeasure,
    Project,
    ProjectStatus,
    Rating,
    RatingChange,
    Resource,
    ancestor_paths,
)
from cityloop.security.access import access_object
from cityloop.security.audit import audit_record
from cityloop.security.grants import CREATE, NETWORK_EDIT
from cityloop.tickets.models import Ticket
from cityloop.tickets.services import TicketInput, ticket_create

# How soon the station must follow up an enterprise whose rating dropped to this colour.
FOLLOW_UP_DAYS = {Rating.BLUE: 30, Rating.YELLOW: 14, Rating.ORANGE: 7, Rating.RED: 3}


# --- building groups ------------------------------------------------------------------------------------------

def building_group_of(area_path: str) -> BuildingGroup | None:
    """The building group of the building at or above this place, if any."""
    return (BuildingGroup.objects.filter(area_path__in=ancestor_paths(area_path)).select_related("leader")
            .order_by("-area_path").first())


def building_leader_notify(ticket: Ticket) -> list[str]:
    """Tell the leader of the building a ticket is located in, once; returns the addresses written to.

    Call it from `cityloop.tickets.tasks` after a ticket is created (or periodically through
    `building_leader_notify_recent`). Tickets not located in a building, or in one without a leader's
    address, notify nobody.
    """
    group = building_group_of(ticket.area_path)
    if group is None or not group.notify_address:
        return []
    with transaction.atomic():
        _notice, created = LeaderNotice.objects.get_or_create(ticket=ticket, group=group,
                                                              defaults={"address": group.notify_address})
        if not created:
            return []
        # no citizen's personal data in the message: the leader is told what and where, not who
        send_mail(
            subject=_("Ticket %(number)s in %(building)s") % {"number": ticket.number, "building": group.building},
            message=_("A problem was reported in your building: %(title)s\nTicket %(number)s, status: %(status)s.")
            % {"title": ticket.title, "number": ticket.number, "status": ticket.get_status_display()},
            from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[group.notify_address])
    return [group.notify_address]


def building_leader_notify_recent(*, since: dt.datetime) -> int:
    """The periodic job: notify leaders of every ticket created since `since` not yet notified."""
    sent = 0
    for ticket in Ticket.objects.filter(created_at__gte=since).order_by("pk"):
        sent += len(building_leader_notify(ticket))
    return sent


def leader_report(*, actor: Any, group_id: int, title: str, description: str) -> Ticket:
    """A building-group leader's report enters the loop as a ticket of channel "grid"."""
    group = BuildingGroup.objects.select_related("building").filter(pk=group_id).first()
    if group is None:
        raise NotFound(_("Not found."))
    is_leader = actor is not None and group.leader_id == actor.pk
    if not is_leader:
        group = access_object(actor, CREATE, BuildingGroup.objects.select_related("building"), pk=group_id)
    if not title.strip():
        raise InvalidInput(_("A title is required."), details={"field": "title"})
    building = group.building
    ticket, _created = ticket_create(actor=actor, data=TicketInput(
        channel="grid", ticket_type="help", title=title.strip(), description=description.strip() or title.strip(),
        address=building.name, latitude=building.latitude, longitude=building.longitude))
    audit_record(actor=actor, action="network.leader_report", object_type="building_group", object_id=group.pk,
                 data={"ticket": ticket.pk})
    return ticket


# --- office buildings -----------------------------------------------------------------------------------------

@dataclass
class SurveyFacts:
    """The five facts as a surveyor records them (摸清五个情况)."""

    floors: int
    floor_area: int
    property_manager: str
    enterprises: int
    party_organisations: int
    party_members: int
    station: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def survey_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """What changed: {fact: [before, after]} for each fact whose value differs (a fact new to the survey counts
    as changed from None)."""
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


def survey_record(*, actor: Any, building_id: int, facts: SurveyFacts) -> BuildingSurvey:
    for field in ("floors", "floor_area", "enterprises", "party_organisations", "party_members"):
        if getattr(facts, field) < 0:
            raise InvalidInput(_("The number cannot be negative."), details={"field": field})
    with transaction.atomic():
        building = access_object(actor, NETWORK_EDIT, OfficeBuilding.objects.select_for_update(), pk=building_id)
        previous = building.surveys.order_by("-surveyed_at", "-pk").first()
        data = facts.as_dict()
        survey = BuildingSurvey.objects.create(
            building=building, surveyor=actor, surveyed_at=clock.now(), facts=data,
            changes=survey_diff(previous.facts if previous else {}, data) if previous else {})
        building.floors, building.floor_area = facts.floors, facts.floor_area
        building.property_manager = facts.property_manager
        building.save()
        audit_record(actor=actor, action="network.survey", object_type="office_building", object_id=building.pk,
                     data={"survey": survey.pk, "changed": sorted(survey.changes)})
    return survey


def rating_dropped(before: str, after: str) -> bool:
    return RATING_ORDER.index(after) > RATING_ORDER.index(before)


def enterprise_rate(*, actor: Any, enterprise_id: int, rating: str, note: str = "") -> FollowUp | None:
    """Set an enterprise's stability rating; a drop creates a follow-up for the building's service station."""
    if rating not in RATING_ORDER:
        raise InvalidInput(_("Unknown rating."), details={"field": "rating"})
    with transaction.atomic():
        enterprise = access_object(actor, NETWORK_EDIT, Enterprise.objects.select_related("building"), pk=enterprise_id)
        before = enterprise.rating
        if before == rating:
            return None
        RatingChange.objects.create(enterprise=enterprise, from_rating=before, to_rating=rating, actor=actor,
                                    note=note)
        enterprise.rating = rating
        enterprise.save()
        follow_up = None
        if rating_dropped(before, rating):
            station = getattr(enterprise.building, "station", None)
            follow_up = FollowUp.objects.create(
                enterprise=enterprise, station=station, area_path=enterprise.area_path,
                reason=_("Stability rating dropped from %(before)s to %(after)s")
                % {"before": Rating(before).label, "after": Rating(rating).label},
                due_date=clock.now().date() + dt.timedelta(days=FOLLOW_UP_DAYS[Rating(rating)]))
        audit_record(actor=actor, action="network.rating", object_type="enterprise", object_id=enterprise.pk,
                     data={"from": before, "to": rating, "follow_up": follow_up.pk if follow_up else None})
    return follow_up


def follow_up_done(*, actor: Any, follow_up_id: int) -> FollowUp:
    with transaction.atomic():
        follow_up = access_object(actor, NETWORK_EDIT, FollowUp.objects.select_for_update(), pk=follow_up_id)
        if follow_up.done_at is not None:
            raise Conflict(_("The follow-up is already done."))
        follow_up.done_at = clock.now()
        follow_up.save()
        audit_record(actor=actor, action="network.follow_up_done", object_type="follow_up", object_id=follow_up.pk)
    return follow_up


def service_request(*, actor: Any, building_id: int, enterprise_name: str, title: str,
                    description: str) -> Ticket:
    """An enterprise's request to the building's service station enters the loop as a ticket of channel "web"."""
    building = OfficeBuilding.objects.filter(pk=building_id).first()
    if building is None:
        raise NotFound(_("Not found."))
    if not title.strip():
        raise InvalidInput(_("A title is required."), details={"field": "title"})
    text = f"[{building.name} · {enterprise_name}] {description.strip() or title.strip()}"
    ticket, _created = ticket_create(actor=actor, data=TicketInput(
        channel="web", ticket_type="help", title=title.strip(), description=text, address=building.address,
        latitude=building.area.latitude, longitude=building.area.longitude))
    audit_record(actor=actor, action="network.service_request", object_type="office_building",
                 object_id=building.pk, data={"ticket": ticket.pk})
    return ticket


# --- party members ----------------------------------------------------------------------------------------------

def member_volunteer(*, actor: Any, member_id: int, skills: str) -> PartyMember:
    """Register a party member as a volunteer for community work."""
    with transaction.atomic():
        member = access_object(actor, NETWORK_EDIT, PartyMember.objects.select_for_update(), pk=member_id)
        member.volunteer, member.volunteer_skills = True, skills.strip()
        member.save()
        audit_record(actor=actor, action="network.volunteer", object_type="party_member", object_id=member.pk)
    return member


# --- regional party building ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Suggestion:
    resource: Resource
    score: int
    shared_levels: int
    covers: bool


def _shared_levels(a: str, b: str) -> int:
    shared = 0
    for x, y in zip(a.split("/")[:-1], b.split("/")[:-1], strict=False):
        if x != y:
            break
        shared += 1
    return shared


def match_suggestions(need: Need) -> list[Suggestion]:
    """Resources of the same category, the nearest place first (more shared levels of the area tree), those
    whose capacity covers the need before those that do not; resources already used up are left out."""
    suggestions = []
    for resource in Resource.objects.filter(meeting_id=need.meeting_id, category=need.category).select_related(
            "area", "unit"):
        used = sum(p.need.quantity for p in resource.projects.select_related("need")
                   if p.status != ProjectStatus.COMPLETED)
        left = resource.capacity - used
        if left <= 0:
            continue
        shared = _shared_levels(need.area.path, resource.area.path)
        covers = left >= need.quantity
        suggestions.append(Suggestion(resource, shared * 10 + (5 if covers else 0), shared, covers))
    return sorted(suggestions, key=lambda s: (-s.score, s.resource.pk))


def project_create(*, actor: Any, need_id: int, resource_id: int, title: str = "") -> Project:
    with transaction.atomic():
        need = access_object(actor, NETWORK_EDIT, Need.objects.select_for_update().select_related("area"), pk=need_id)
        if not need.open:
            raise Conflict(_("The need is already met."))
        resource = Resource.objects.filter(pk=resource_id, meeting_id=need.meeting_id,
                                           category=need.category).first()
        if resource is None:
            raise InvalidInput(_("The resource does not fit the need."), details={"field": "resource"})
        project = Project.objects.create(meeting_id=need.meeting_id, need=need, resource=resource,
                                         title=title.strip() or f"{need.title} · {resource.title}")
        need.open = False
        need.save()
        audit_record(actor=actor, action="network.project_create", object_type="project", object_id=project.pk,
                     data={"need": need.pk, "resource": resource.pk})
    return project


def project_progress(*, actor: Any, project_id: int, progress: int) -> Project:
    """Move a project on; at 100 % it is completed."""
    if not 0 <= progress <= 100:
        raise InvalidInput(_("Progress is a percentage from 0 to 100."), details={"field": "progress"})
    with transaction.atomic():
        project = access_object(actor, NETWORK_EDIT, Project.objects.select_for_update(), pk=project_id)
        if project.status == ProjectStatus.COMPLETED:
            raise Conflict(_("The project is already completed."))
        if progress < project.progress:
            raise InvalidInput(_("Progress cannot go back."), details={"field": "progress"})
        project.progress = progress
        if progress == 100:
            project.status, project.completed_at = ProjectStatus.COMPLETED, clock.now()
        elif progress > 0:
            project.status = ProjectStatus.IN_PROGRESS
        project.save()
        audit_record(actor=actor, action="network.project_progress", object_type="project",
                     object_id=project.pk, data={"progress": progress, "status": project.status})
    return project


def measure_progress(*, actor: Any, measure_id: int, progress: int) -> PolicyMeasure:
    """Record the progress of a measure of a building's policy (一楼一策)."""
    if not 0 <= progress <= 100:
        raise InvalidInput(_("Progress is a percentage from 0 to 100."), details={"field": "progress"})
    with transaction.atomic():
        measure = PolicyMeasure.objects.select_for_update().select_related("policy").filter(pk=measure_id).first()
        if measure is None:
            raise NotFound(_("Not found."))
        access_object(actor, NETWORK_EDIT, OfficeBuilding.objects.all(), pk=measure.policy.building_id)
        before, measure.progress = measure.progress, progress
        measure.save()
        audit_record(actor=actor, action="network.measure_progress", object_type="policy_measure",
                     object_id=measure.pk, data={"from": before, "to": progress})
    return measure
