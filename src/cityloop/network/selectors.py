"""Reads of the organisation network, each scoped through the gates."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from cityloop.network.models import (
    BuildingGroup,
    CommunityWorker,
    Enterprise,
    FollowUp,
    Household,
    JointMeeting,
    Need,
    OfficeBuilding,
    PartyOrganisation,
    Project,
    Resource,
)
from cityloop.organisation.models import Unit
from cityloop.security.access import grants_for, visible_to
from cityloop.security.grants import NETWORK_EDIT, VIEW
from cityloop.tickets.choices import OPEN_STATUSES
from cityloop.tickets.models import Ticket


def staff_scope(user: Any) -> bool:
    """Whether the user sees any part of the network (holds an area scope)."""
    return bool(grants_for(user, VIEW).area_paths)


def can_edit(user: Any) -> bool:
    """Whether the user keeps any of the registers (network.edit); staff who only see them get no forms."""
    return not grants_for(user, NETWORK_EDIT).empty


@dataclass
class CommitteeRow:
    committee: Unit | None
    groups: list["BuildingRow"] = field(default_factory=list)


@dataclass
class BuildingRow:
    group: BuildingGroup
    households: list[Household]


def building_tree(user: Any) -> list[BuildingRow]:
    """Residents' committee → building group (leader) → households, within the user's scope."""
    groups = visible_to(user, VIEW, BuildingGroup.objects.select_related("building", "community", "leader")
                        .prefetch_related(Prefetch("households", Household.objects.order_by("room"))))
    return [BuildingRow(group, list(group.households.all())) for group in groups.order_by("area_path")]


def committees(rows: list[BuildingRow]) -> list[CommitteeRow]:
    by_committee: dict[int | None, CommitteeRow] = {}
    for row in rows:
        key = row.group.community_id
        by_committee.setdefault(key, CommitteeRow(row.group.community)).groups.append(row)
    return list(by_committee.values())


def building_tickets(user: Any, *, limit: int = 50) -> tuple[list[Ticket], list[Ticket]]:
    """The open tickets and the recent history located in the user's buildings (a grid worker's page)."""
    paths = list(visible_to(user, VIEW, BuildingGroup.objects.all()).values_list("area_path", flat=True))
    if not paths:
        return [], []
    located = Q(pk__in=[])
    for path in paths:
        located |= Q(area_path__startswith=path)
    tickets = visible_to(user, VIEW, Ticket.objects.filter(located)).order_by("-created_at")
    open_tickets = list(tickets.filter(status__in=OPEN_STATUSES)[:limit])
    history = list(tickets.exclude(status__in=OPEN_STATUSES)[:limit])
    return open_tickets, history


def office_buildings(user: Any) -> QuerySet[OfficeBuilding]:
    return visible_to(user, VIEW, OfficeBuilding.objects.select_related("area").annotate(
        enterprise_count=Count("enterprises", distinct=True),
        organisation_count=Count("party_organisations", distinct=True)))


def office_building(user: Any, building_id: int) -> OfficeBuilding:
    from cityloop.security.access import access_object

    return access_object(user, VIEW, OfficeBuilding.objects.select_related("area"), pk=building_id)


def enterprises_of(building: OfficeBuilding) -> list[Enterprise]:
    return list(building.enterprises.order_by("name"))


def follow_ups(user: Any) -> QuerySet[FollowUp]:
    return visible_to(user, VIEW, FollowUp.objects.select_related("enterprise", "station"))


def organisations(user: Any) -> list[PartyOrganisation]:
    return list(visible_to(user, VIEW, PartyOrganisation.objects.select_related(
        "area", "office_building", "community", "joint_meeting").annotate(
        member_count=Count("members", distinct=True),
        volunteer_count=Count("members", filter=Q(members__volunteer=True), distinct=True))))


def meetings(user: Any) -> QuerySet[JointMeeting]:
    return visible_to(user, VIEW, JointMeeting.objects.prefetch_related("members"))


def meeting_lists(meeting: JointMeeting) -> tuple[list[Need], list[Resource], list[Project]]:
    return (list(meeting.needs.select_related("area")), list(meeting.resources.select_related("unit", "area")),
            list(meeting.projects.select_related("need", "resource")))


@dataclass
class Workload:
    community: Unit
    workers: int
    households: int
    open_tickets: int

    @property
    def tickets_per_worker(self) -> float:
        return round(self.open_tickets / self.workers, 1) if self.workers else float(self.open_tickets)


def workers(user: Any) -> QuerySet[CommunityWorker]:
    return visible_to(user, VIEW, CommunityWorker.objects.select_related("community").annotate(
        training_hours=Count("trainings")))


def workloads(user: Any) -> list[Workload]:
    """Per community in scope: its workers, households and the open tickets located in it."""
    grants = grants_for(user, VIEW)
    if not grants.area_paths:
        return []
    scope = Q(pk__in=[])
    for path in grants.area_paths:
        scope |= Q(area__path__startswith=path)
    rows = []
    for unit in Unit.objects.filter(scope, kind="community").select_related("area").order_by("path"):
        path = unit.area.path
        rows.append(Workload(
            community=unit,
            workers=CommunityWorker.objects.filter(community=unit).count(),
            households=Household.objects.filter(area_path__startswith=path).count(),
            open_tickets=Ticket.objects.filter(area_path__startswith=path, status__in=OPEN_STATUSES).count()))
    return rows
