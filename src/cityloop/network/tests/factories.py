"""A small network on top of the `world` fixture."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model

from cityloop.conftest import World
from cityloop.network.models import (
    BuildingGroup,
    Enterprise,
    JointMeeting,
    ListCategory,
    Need,
    OfficeBuilding,
    Resource,
    ServiceStation,
)
from cityloop.organisation.choices import AreaKind, Role, UnitKind
from cityloop.organisation.models import Area, Membership, Unit


@dataclass
class Net:
    committee: Unit
    building: Area
    other_building: Area
    group: BuildingGroup
    other_group: BuildingGroup
    office: OfficeBuilding
    station: ServiceStation
    enterprise: Enterprise
    meeting: JointMeeting
    need: Need
    near: Resource
    far: Resource
    users: dict[str, Any]


def make_network(world: World) -> Net:
    users_model = get_user_model()
    committee = Unit.objects.create(kind=UnitKind.COMMUNITY, code="U-C1", name="望江社区居委会",
                                    area=world.community, parent=world.street_office)
    building = Area.objects.create(kind=AreaKind.BUILDING, code="G1-B3", name="望江小区3号楼", parent=world.grid,
                                   latitude=30.605, longitude=114.305)
    other = Area.objects.create(kind=AreaKind.BUILDING, code="G2-B1", name="江岸花园1号楼",
                                parent=world.other_grid, latitude=30.605, longitude=114.325)
    users = {
        "leader": users_model.objects.create_user("leader", "leader@example.org", "pw"),
        "other_leader": users_model.objects.create_user("other_leader", "other.leader@example.org", "pw"),
        "community": users_model.objects.create_user("community", "community@example.org", "pw"),
        "grid": users_model.objects.create_user("gridworker", "grid@example.org", "pw"),
    }
    Membership.objects.create(user=users["community"], unit=committee, role=Role.COMMUNITY_WORKER,
                              scope=world.community)
    Membership.objects.create(user=users["grid"], unit=committee, role=Role.GRID_WORKER, scope=world.grid)
    group = BuildingGroup.objects.create(building=building, community=committee, leader=users["leader"],
                                         leader_name="张建国", leader_phone="13812345678")
    other_group = BuildingGroup.objects.create(building=other, leader=users["other_leader"],
                                               leader_name="李红", leader_phone="13987654321")
    office = OfficeBuilding.objects.create(name="望江金融中心", area=world.grid, address="望江路1号", floors=20,
                                           floor_area=30000)
    station = ServiceStation.objects.create(building=office, name="望江金融中心党建服务站")
    enterprise = Enterprise.objects.create(building=office, name="临江数科", industry="软件", employees=80)
    meeting = JointMeeting.objects.create(name="滨江街道区域化党建联席会议", area=world.street)
    meeting.members.add(world.department, committee)
    need = Need.objects.create(meeting=meeting, area=world.community, category=ListCategory.ELDERLY,
                               title="独居老人助餐", quantity=10)
    far = Resource.objects.create(meeting=meeting, unit=world.department, area=world.other_grid,
                                  category=ListCategory.ELDERLY, title="食堂助餐", capacity=50)
    near = Resource.objects.create(meeting=meeting, unit=committee, area=world.grid,
                                   category=ListCategory.ELDERLY, title="社区食堂", capacity=20)
    return Net(committee, building, other, group, other_group, office, station, enterprise, meeting, need, near,
               far, users)
