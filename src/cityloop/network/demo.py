"""The network of the demo city: building groups with leaders, a dozen office buildings, a joint meeting."""

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from cityloop.core import clock
from cityloop.network.models import (
    BuildingGroup,
    BuildingPolicy,
    BuildingSurvey,
    CareerGrade,
    CommunityWorker,
    Enterprise,
    EnterpriseSize,
    Household,
    JointMeeting,
    ListCategory,
    Need,
    OfficeBuilding,
    PartyMember,
    PartyOrganisation,
    PartyOrgKind,
    PolicyMeasure,
    Project,
    ProjectStatus,
    Rating,
    Resource,
    ServiceStation,
    TrainingRecord,
)
from cityloop.organisation.choices import AreaKind, UnitKind
from cityloop.organisation.models import Area, Unit

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("建国", "秀英", "伟", "芳", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超")
OFFICES = ("金融中心", "科创大厦", "国际广场", "商务港", "时代大厦", "总部基地", "汇金大厦", "创意园",
           "数字港", "财富中心", "环球中心", "滨江大厦")
ENTERPRISE_WORDS = ("数科", "物流", "律师事务所", "广告", "医药", "教育科技", "建筑设计", "网络", "咨询",
                    "会计师事务所", "文化传媒", "新能源")
INDUSTRIES = ("软件", "物流", "法律", "广告", "医药", "教育", "建筑", "互联网", "咨询", "会计", "传媒", "能源")
TRAININGS = ("基层治理实务", "12345工单办理", "矛盾纠纷调解", "社区党建", "应急管理")
LEADERS_WITH_ACCOUNTS = 3


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phone(rng: random.Random) -> str:
    return f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"


@transaction.atomic
def network_demo_build(seed: int = 1) -> dict[str, int]:
    """Build the network onto the demo city (areas of kind building under grids, community units); once."""
    if JointMeeting.objects.exists():
        return {}
    rng = random.Random(seed)
    communities = {u.area_id: u for u in Unit.objects.filter(kind=UnitKind.COMMUNITY).select_related("area")}
    buildings = list(Area.objects.filter(kind=AreaKind.BUILDING).order_by("path"))
    if not buildings or not communities:
        return {}
    area_by_id = {a.pk: a for a in Area.objects.exclude(kind__in=[AreaKind.BUILDING, AreaKind.UNIT])}

    def community_of(area: Area) -> Unit | None:
        ids = [int(p) for p in area.path.split("/") if p]
        return next((communities[i] for i in reversed(ids) if i in communities), None)

    groups = _building_groups(rng, buildings, community_of)
    offices, grids = _offices(rng, area_by_id, community_of)
    needs, resources = _meeting(rng, groups=groups, grids=grids, area_by_id=area_by_id, communities=communities,
                                offices=offices)
    workers = _workers(rng, communities)
    return {"building_groups": len(buildings), "office_buildings": len(offices), "needs": needs,
            "resources": resources, "workers": workers}


def _building_groups(rng: random.Random, buildings: list[Area],
                     community_of: Callable[[Area], Unit | None]) -> list[BuildingGroup]:
    """Every building's group and leader; the first few leaders hold an account (leader-1, ...)."""
    password = make_password("cityloop-demo")
    users = get_user_model()
    groups = []
    for n, building in enumerate(buildings):
        leader = None
        if n < LEADERS_WITH_ACCOUNTS:
            leader, _created = users.objects.get_or_create(
                username=f"leader-{n + 1}", defaults={"password": password, "email": f"leader-{n + 1}@example.org",
                                                      "first_name": _name(rng)})
        groups.append(BuildingGroup(building=building, community=community_of(building), leader=leader,
                                    leader_name=_name(rng), leader_phone=_phone(rng), area_path=building.path))
    BuildingGroup.objects.bulk_create(groups, batch_size=500)
    first = list(BuildingGroup.objects.select_related("building").order_by("area_path")[:40])
    households = [Household(group=g, room=f"{floor}0{door}", head_name=_name(rng), phone=_phone(rng),
                            size=rng.randint(1, 5), area_path=g.area_path)
                  for g in first for floor in range(1, 4) for door in range(1, 3)]
    Household.objects.bulk_create(households, batch_size=500)
    return first


def _offices(rng: random.Random, area_by_id: dict[int, Area],
             community_of: Callable[[Area], Unit | None]) -> tuple[list[OfficeBuilding], list[Area]]:

    # office buildings in the first grids (the demo community worker's first)
    grids = list(Area.objects.filter(kind=AreaKind.GRID).order_by("path")[:len(OFFICES)])
    offices = []
    for n, name in enumerate(OFFICES):
        grid = grids[n % len(grids)]
        office = OfficeBuilding.objects.create(name=f"{area_by_id[grid.parent_id or 0].name}{name}", area=grid,
                                               address=f"{grid.name}{n + 1}号", floors=rng.randint(8, 40),
                                               floor_area=rng.randint(10, 80) * 1000, property_manager="物业公司")
        station = ServiceStation.objects.create(building=office, name=f"{office.name}党建服务站", phone=_phone(rng))
        enterprises = []
        for k in range(rng.randint(4, 8)):
            word = (n + k) % len(ENTERPRISE_WORDS)
            enterprises.append(Enterprise.objects.create(
                building=office, name=f"临江{SURNAMES[(n * 3 + k) % len(SURNAMES)]}氏{ENTERPRISE_WORDS[word]}",
                industry=INDUSTRIES[word], size=rng.choice(list(EnterpriseSize)),
                employees=rng.randint(5, 500), rating=rng.choice([Rating.GREEN] * 6 + [Rating.BLUE, Rating.YELLOW])))
        community = community_of(grid)
        branch = PartyOrganisation.objects.create(name=f"{office.name}联合党支部", area=grid, office_building=office,
                                                  community=community, kind=PartyOrgKind.BRANCH)
        PartyMember.objects.bulk_create([
            PartyMember(organisation=branch, name=_name(rng), phone=_phone(rng), volunteer=rng.random() < 0.3,
                        area_path=branch.area_path) for _ in range(rng.randint(3, 12))])
        facts = {"floors": office.floors, "floor_area": office.floor_area, "property_manager": "物业公司",
                 "enterprises": len(enterprises), "party_organisations": 1,
                 "party_members": branch.members.count(), "station": station.name}
        BuildingSurvey.objects.create(building=office, facts=facts, surveyed_at=clock.now() - dt.timedelta(days=90))
        policy = BuildingPolicy.objects.create(building=office, summary=f"{office.name}一楼一策")
        for text, owner in (("建立楼宇党建联席会", "街道党工委"), ("企业服务专员包联", "党建服务站"),
                            ("职工之家建设", "楼宇工会")):
            PolicyMeasure.objects.create(policy=policy, text=text, owner=owner, progress=rng.choice([0, 30, 60, 100]))
        offices.append(office)
    return offices, grids


def _meeting(rng: random.Random, *, groups: list[BuildingGroup], grids: list[Area], area_by_id: dict[int, Area],
             communities: dict[int, Unit], offices: list[OfficeBuilding]) -> tuple[int, int]:
    # residential branches (支部建在楼上) in the first buildings
    for group in groups[:6]:
        branch = PartyOrganisation.objects.create(name=f"{group.building.name}党支部", area=group.building,
                                                  community=group.community)
        PartyMember.objects.bulk_create([
            PartyMember(organisation=branch, name=_name(rng), phone=_phone(rng), area_path=branch.area_path)
            for _ in range(rng.randint(3, 8))])

    # the joint meeting of the first street
    first = grids[0]
    community_area = area_by_id[first.parent_id or 0]
    street = area_by_id[community_area.parent_id or 0]
    meeting = JointMeeting.objects.create(name=f"{street.name}区域化党建联席会议", area=street,
                                          agreement="共驻共建、资源共享、优势互补、共同发展。",
                                          signed_on=clock.now().date() - dt.timedelta(days=200))
    members = list(Unit.objects.filter(kind__in=[UnitKind.DEPARTMENT, UnitKind.UTILITY]).order_by("code")[:5])
    street_communities = [u for u in communities.values() if u.area.path.startswith(street.path)]
    meeting.members.add(*members, *street_communities)
    PartyOrganisation.objects.filter(office_building__in=offices[:3]).update(joint_meeting=meeting)
    categories = list(ListCategory)
    needs = []
    for n, unit in enumerate(street_communities[:6] or list(communities.values())[:6]):
        category = categories[n % len(categories)]
        needs.append(Need.objects.create(meeting=meeting, area=unit.area, category=category,
                                         title=f"{unit.area.name}{category.label}需求", quantity=rng.randint(5, 30)))
    grid_of = {g.parent_id: g for g in reversed(grids)}
    resources = []
    for n, unit in enumerate(members):
        category = categories[n % len(categories)]
        place = grid_of.get(needs[n % len(needs)].area_id, first) if needs else first
        resources.append(Resource.objects.create(meeting=meeting, unit=unit, area=place, category=category,
                                                 title=f"{unit.name}{category.label}资源",
                                                 capacity=rng.randint(20, 60)))
    if needs and resources and needs[0].category == resources[0].category:
        project = Project.objects.create(meeting=meeting, need=needs[0], resource=resources[0],
                                         title=f"{needs[0].title}共建项目", status=ProjectStatus.IN_PROGRESS,
                                         progress=60)
        Need.objects.filter(pk=project.need_id).update(open=False)
    return len(needs), len(resources)


def _workers(rng: random.Random, communities: dict[int, Unit]) -> int:
    # community workers: a roster of three per community
    workers = []
    for unit in communities.values():
        for position, grade in (("书记", CareerGrade.SENIOR), ("主任", CareerGrade.INTERMEDIATE),
                                ("社工", CareerGrade.JUNIOR)):
            workers.append(CommunityWorker(community=unit, name=_name(rng), phone=_phone(rng), position=position,
                                           grade=grade, level=rng.randint(1, 6), area_path=unit.area.path))
    CommunityWorker.objects.bulk_create(workers, batch_size=500)
    today = clock.now().date()
    TrainingRecord.objects.bulk_create([
        TrainingRecord(worker=w, course=rng.choice(TRAININGS), hours=rng.choice([4, 8, 16]),
                       taken_on=today - dt.timedelta(days=rng.randint(1, 365)))
        for w in CommunityWorker.objects.all()[:300]], batch_size=500)
    return len(workers)


def summary(counts: dict[str, Any]) -> str:
    return ", ".join(f"{key} {value}" for key, value in counts.items()) or "-"
