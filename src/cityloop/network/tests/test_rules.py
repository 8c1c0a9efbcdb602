"""The network's rules with known answers."""

import datetime as dt

import pytest
from django.core import mail

from cityloop.conftest import World
from cityloop.core import clock
from cityloop.core.errors import Conflict, InvalidInput, NotFound
from cityloop.network import selectors, services
from cityloop.network.models import (
    BuildingGroup,
    Enterprise,
    FollowUp,
    Household,
    ListCategory,
    Need,
    ProjectStatus,
    Rating,
    Resource,
)
from cityloop.network.services import SurveyFacts
from cityloop.network.tests.factories import make_network
from cityloop.tickets.tests.flows import new_ticket

pytestmark = pytest.mark.django_db


def facts(**changes: object) -> SurveyFacts:
    values: dict[str, object] = {"floors": 20, "floor_area": 30000, "property_manager": "万物物业",
                                 "enterprises": 12, "party_organisations": 2, "party_members": 35,
                                 "station": "党建服务站"}
    values.update(changes)
    return SurveyFacts(**values)  # type: ignore[arg-type]


def test_survey_change_detection(world: World) -> None:
    net = make_network(world)
    first = services.survey_record(actor=net.users["community"], building_id=net.office.pk, facts=facts())
    assert first.changes == {}  # nothing to compare the first survey with
    second = services.survey_record(actor=net.users["community"], building_id=net.office.pk,
                                    facts=facts(enterprises=14, party_members=33))
    assert second.changes == {"enterprises": [12, 14], "party_members": [35, 33]}
    third = services.survey_record(actor=net.users["community"], building_id=net.office.pk,
                                   facts=facts(enterprises=14, party_members=33))
    assert third.changes == {}
    assert services.survey_diff({"a": 1}, {"a": 1, "b": 2}) == {"b": [None, 2]}
    with pytest.raises(InvalidInput):
        services.survey_record(actor=net.users["community"], building_id=net.office.pk, facts=facts(floors=-1))
    with pytest.raises(NotFound):  # another street's surveyor
        services.survey_record(actor=net.users["other_leader"], building_id=net.office.pk, facts=facts())


def test_seeing_the_registers_is_not_keeping_them(world: World) -> None:
    """An analyst or an operator of the city sees the network but records nothing in it."""
    net = make_network(world)
    for reader in (world.users["analyst"], world.users["operator"]):
        with pytest.raises(NotFound):
            services.survey_record(actor=reader, building_id=net.office.pk, facts=facts())
        with pytest.raises(NotFound):
            services.enterprise_rate(actor=reader, enterprise_id=net.enterprise.pk, rating=Rating.RED)
    assert not net.office.surveys.exists()
    assert Enterprise.objects.get(pk=net.enterprise.pk).rating == net.enterprise.rating
    assert not FollowUp.objects.exists()
    assert services.survey_record(actor=world.users["supervisor"], building_id=net.office.pk, facts=facts())


def test_rating_drop_creates_one_follow_up_for_the_station(world: World) -> None:
    net = make_network(world)
    actor = net.users["community"]
    now = clock.now()
    follow_up = services.enterprise_rate(actor=actor, enterprise_id=net.enterprise.pk, rating=Rating.ORANGE)
    assert follow_up is not None
    assert follow_up.station == net.station
    assert follow_up.due_date == now.date() + dt.timedelta(days=7)
    # a rise creates none, nor does the same colour again
    assert services.enterprise_rate(actor=actor, enterprise_id=net.enterprise.pk, rating=Rating.BLUE) is None
    assert services.enterprise_rate(actor=actor, enterprise_id=net.enterprise.pk, rating=Rating.BLUE) is None
    red = services.enterprise_rate(actor=actor, enterprise_id=net.enterprise.pk, rating=Rating.RED)
    assert red is not None
    assert red.due_date == now.date() + dt.timedelta(days=3)
    assert FollowUp.objects.count() == 2
    assert Enterprise.objects.get().rating == Rating.RED
    assert services.follow_up_done(actor=actor, follow_up_id=red.pk).done_at is not None
    with pytest.raises(Conflict):
        services.follow_up_done(actor=actor, follow_up_id=red.pk)
    with pytest.raises(InvalidInput):
        services.enterprise_rate(actor=actor, enterprise_id=net.enterprise.pk, rating="purple")


def test_matching_prefers_near_resources_that_cover_the_need(world: World) -> None:
    net = make_network(world)
    Resource.objects.create(meeting=net.meeting, unit=world.department, area=world.grid,
                            category=ListCategory.HEALTH, title="义诊", capacity=100)
    small = Resource.objects.create(meeting=net.meeting, unit=world.department, area=world.grid,
                                    category=ListCategory.ELDERLY, title="小食堂", capacity=5)
    suggestions = services.match_suggestions(net.need)
    # a grid of the community (4 levels shared) covering it, then the small one there, then the other street
    assert [s.resource for s in suggestions] == [net.near, small, net.far]
    assert [s.covers for s in suggestions] == [True, False, True]
    assert suggestions[0].shared_levels == 4
    assert suggestions[2].shared_levels == 2

    project = services.project_create(actor=net.users["community"], need_id=net.need.pk, resource_id=net.near.pk)
    assert not Need.objects.get(pk=net.need.pk).open
    with pytest.raises(Conflict):
        services.project_create(actor=net.users["community"], need_id=net.need.pk, resource_id=net.near.pk)
    # the near canteen now has 10 of 20 places left: covers a need of 10 but not one of 11
    other = Need.objects.create(meeting=net.meeting, area=world.community, category=ListCategory.ELDERLY,
                                title="助浴", quantity=11)
    near = next(s for s in services.match_suggestions(other) if s.resource == net.near)
    assert not near.covers
    services.project_progress(actor=net.users["community"], project_id=project.pk, progress=40)
    with pytest.raises(InvalidInput):
        services.project_progress(actor=net.users["community"], project_id=project.pk, progress=30)
    done = services.project_progress(actor=net.users["community"], project_id=project.pk, progress=100)
    assert done.status == ProjectStatus.COMPLETED
    assert done.completed_at is not None
    assert next(s for s in services.match_suggestions(other) if s.resource == net.near).covers
    wrong = Resource.objects.get(title="义诊")
    with pytest.raises(InvalidInput):  # a resource of another category
        services.project_create(actor=net.users["community"], need_id=other.pk, resource_id=wrong.pk)


def test_ticket_in_a_building_notifies_its_leader_only_once(world: World) -> None:
    net = make_network(world)
    ticket = new_ticket(world, title="楼道堆物", address="望江小区3号楼")
    assert ticket.area_path == net.building.path
    mail.outbox.clear()
    assert services.building_leader_notify(ticket) == ["leader@example.org"]
    assert [m.to for m in mail.outbox] == [["leader@example.org"]]
    assert "楼道堆物" in mail.outbox[0].body
    assert services.building_leader_notify(ticket) == []  # once
    assert len(mail.outbox) == 1
    # the leader's own address, when set, wins over the account's
    BuildingGroup.objects.filter(pk=net.group.pk).update(leader_email="zhang@example.org")
    second = new_ticket(world, title="电梯故障", address="望江小区3号楼")
    assert services.building_leader_notify_recent(since=clock.now() - dt.timedelta(hours=1)) == 1
    assert mail.outbox[-1].to == ["zhang@example.org"]
    assert second.area_path == net.building.path
    # a ticket outside any building tells nobody
    mail.outbox.clear()
    assert services.building_leader_notify(new_ticket(world, title="路灯不亮", address="")) == []
    assert mail.outbox == []


def test_leader_report_enters_the_loop_as_grid(world: World) -> None:
    net = make_network(world)
    ticket = services.leader_report(actor=net.users["leader"], group_id=net.group.pk, title="楼顶漏水",
                                    description="3单元顶楼漏水")
    assert ticket.channel == "grid"
    assert ticket.area_path == net.building.path
    with pytest.raises(InvalidInput):
        services.leader_report(actor=net.users["leader"], group_id=net.group.pk, title=" ", description="")


def test_service_request_enters_the_loop_as_web(world: World) -> None:
    net = make_network(world)
    ticket = services.service_request(actor=net.users["community"], building_id=net.office.pk,
                                      enterprise_name="临江数科", title="办理党组织关系转接", description="")
    assert ticket.channel == "web"
    assert "望江金融中心" in ticket.description


def test_community_sees_only_its_buildings_and_masked_people(world: World) -> None:
    net = make_network(world)
    Household.objects.create(group=net.group, room="301", head_name="王小明", phone="13700001111", size=3)
    Household.objects.create(group=net.other_group, room="101", head_name="赵四", phone="13700002222")
    tree = selectors.building_tree(net.users["community"])
    assert [row.group for row in tree] == [net.group]
    assert [h.head_name_masked for h in tree[0].households] == ["王**"]
    assert tree[0].households[0].phone_masked == "137****1111"
    assert net.group.leader_name_masked == "张**"
    assert selectors.building_tree(world.users["citizen"]) == []
    assert len(selectors.building_tree(world.users["admin"])) == 2


def test_volunteer_registration(world: World) -> None:
    from cityloop.network.models import PartyMember, PartyOrganisation

    net = make_network(world)
    branch = PartyOrganisation.objects.create(name="3号楼党支部", area=net.building, community=net.committee)
    member = PartyMember.objects.create(organisation=branch, name="陈志", phone="13600001234")
    services.member_volunteer(actor=net.users["community"], member_id=member.pk, skills="法律咨询")
    assert PartyMember.objects.get().volunteer
    assert selectors.organisations(net.users["community"])[0].member_count == 1
    with pytest.raises(NotFound):
        services.member_volunteer(actor=net.users["other_leader"], member_id=member.pk, skills="")


def test_notify_tasks_tell_the_leader_once(world: World) -> None:
    from cityloop.network.tasks import building_leader_notify_recent_task, building_leader_notify_task

    make_network(world)
    ticket = new_ticket(world, title="楼道堆物", address="望江小区3号楼")
    new_ticket(world, title="江岸楼道", address="江岸花园1号楼", latitude=30.605, longitude=114.325)
    mail.outbox.clear()
    assert building_leader_notify_task(ticket.pk) == 1
    assert building_leader_notify_recent_task() == 1  # only the other building's ticket is new
    assert sorted(m.to[0] for m in mail.outbox) == ["leader@example.org", "other.leader@example.org"]
    assert building_leader_notify_task(0) == 0


def test_workload_per_community(world: World) -> None:
    from cityloop.network.models import CommunityWorker

    net = make_network(world)
    for name in ("周敏", "吴强"):
        CommunityWorker.objects.create(community=net.committee, name=name)
    Household.objects.create(group=net.group, room="101", head_name="王小明")
    new_ticket(world, title="楼道堆物", address="望江小区3号楼")
    new_ticket(world, title="路灯不亮", address="")
    new_ticket(world, title="江岸楼道", address="江岸花园1号楼", latitude=30.605, longitude=114.325)
    rows = selectors.workloads(net.users["community"])
    assert [(r.community, r.workers, r.households, r.open_tickets) for r in rows] == [(net.committee, 2, 1, 2)]
    assert rows[0].tickets_per_worker == 1.0
    assert sorted(w.name_masked for w in selectors.workers(net.users["community"])) == sorted(["吴*", "周*"])


def test_policy_measure_progress(world: World) -> None:
    from cityloop.network.models import BuildingPolicy, PolicyMeasure

    net = make_network(world)
    policy = BuildingPolicy.objects.create(building=net.office, summary="一楼一策")
    measure = PolicyMeasure.objects.create(policy=policy, text="企业服务专员包联", owner="党建服务站")
    assert services.measure_progress(actor=net.users["community"], measure_id=measure.pk, progress=50).progress == 50
    with pytest.raises(InvalidInput):
        services.measure_progress(actor=net.users["community"], measure_id=measure.pk, progress=101)
    with pytest.raises(NotFound):
        services.measure_progress(actor=net.users["other_leader"], measure_id=measure.pk, progress=60)
