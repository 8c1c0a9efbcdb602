"""The network's pages, the import and the demo, with scope and masking."""

import io
from typing import Any

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from cityloop.conftest import World
from cityloop.network import importing, services
from cityloop.network.demo import network_demo_build
from cityloop.network.models import (
    BuildingGroup,
    Enterprise,
    Household,
    JointMeeting,
    ListCategory,
    Need,
    OfficeBuilding,
    PartyMember,
    PartyOrganisation,
    PartyOrgKind,
    Rating,
)
from cityloop.network.tests.factories import make_network
from cityloop.organisation.choices import AreaKind, Role, UnitKind
from cityloop.organisation.models import Area, Membership, Unit
from cityloop.tickets.models import Ticket
from cityloop.tickets.tests.flows import new_ticket

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_pages_show_the_community_its_own_buildings_masked(world: World) -> None:
    net = make_network(world)
    Household.objects.create(group=net.group, room="301", head_name="王小明", phone="13700001111")
    Household.objects.create(group=net.other_group, room="101", head_name="赵四", phone="13700002222")
    client = signed_in(net.users["community"])
    page = client.get("/network/").content.decode()
    assert "望江小区3号楼" in page
    assert "江岸花园1号楼" not in page
    assert "王**" in page
    assert "137****1111" in page
    assert "王小明" not in page
    assert "13700001111" not in page
    assert "张建国" not in page
    for url in ("/network/grid/", "/network/offices/", f"/network/offices/{net.office.pk}/", "/network/organisations/",
                "/network/meetings/", f"/network/meetings/{net.meeting.pk}/", "/network/workers/", "/network/import/"):
        assert client.get(url).status_code == 200, url
    # another street's people see neither the office building nor the pages
    assert signed_in(net.users["other_leader"]).get(f"/network/offices/{net.office.pk}/").status_code == 403
    assert signed_in(world.users["street"]).get("/network/").status_code == 403  # a unit scope, no area
    Membership.objects.create(user=net.users["other_leader"], unit=world.street_office, role=Role.GRID_WORKER,
                              scope=world.other_grid)
    other = signed_in(net.users["other_leader"])
    assert other.get(f"/network/offices/{net.office.pk}/").status_code == 404
    assert "望江小区3号楼" not in other.get("/network/").content.decode()


def test_grid_worker_sees_open_tickets_of_their_buildings(world: World) -> None:
    net = make_network(world)
    inside = new_ticket(world, title="楼道堆物", address="望江小区3号楼")
    new_ticket(world, title="路灯不亮", address="")  # the grid, not a building
    new_ticket(world, title="江岸楼道", address="江岸花园1号楼", latitude=30.605, longitude=114.325)
    page = signed_in(net.users["grid"]).get("/network/grid/").content.decode()
    assert inside.number in page
    assert "路灯不亮" not in page
    assert "江岸楼道" not in page


def test_leader_reports_through_the_form(world: World) -> None:
    net = make_network(world)
    client = signed_in(net.users["leader"])
    assert client.get("/network/").status_code == 200
    response = client.post(f"/network/buildings/{net.group.pk}/report/", {"title": "电梯坏了", "description": ""})
    assert response.status_code == 302
    ticket = Ticket.objects.get(title="电梯坏了")
    assert ticket.channel == "grid"
    assert ticket.area_path == net.building.path
    # another building's leader may not report for this one
    response = signed_in(net.users["other_leader"]).post(f"/network/buildings/{net.group.pk}/report/",
                                                         {"title": "冒名", "description": ""})
    assert response.status_code == 404


def workbook(sheets: dict[str, list[list[Any]]]) -> io.BytesIO:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_import_reports_rejected_rows(world: World) -> None:
    net = make_network(world)
    PartyOrganisation.objects.create(name="3号楼党支部", area=net.building)
    Area.objects.create(kind=AreaKind.BUILDING, code="G1-B9", name="望江小区9号楼", parent=world.grid)
    file = workbook({
        "楼组": [["building_code", "leader_name", "leader_phone", "leader_email"],
                 ["G1-B9", "周强", "13900001111", ""],
                 ["G1-B3", "张建国", "13812345678", "zhang@example.org"],
                 ["NOPE", "某", "", ""],
                 [world.grid.code, "某", "", ""],
                 ["G2-B1", "越权", "", ""],
                 ["G1-B9", "周强", "12345", ""]],
        "企业": [["office_building", "name", "industry", "size", "employees"],
                 ["望江金融中心", "望江律所", "法律", "small", "12"],
                 ["望江金融中心", "临江数科", "软件", "medium", "90"],
                 ["不存在大厦", "某公司", "", "", ""],
                 ["望江金融中心", "大公司", "", "huge", "1"],
                 ["望江金融中心", "某", "", "small", "many"]],
        "党员": [["organisation", "name", "phone"], ["3号楼党支部", "陈志", "13600001234"], ["3号楼党支部", "", ""],
                 ["无此支部", "某", ""]],
    })
    report = importing.import_workbook(actor=net.users["community"], file=file)
    assert report.created == {"buildings": 1, "enterprises": 1, "members": 1}
    assert report.updated == {"buildings": 1, "enterprises": 1, "members": 0}
    assert [(r.sheet, r.row, r.reason) for r in report.rejected] == [
        ("buildings", 4, "no area has this code"), ("buildings", 5, "the area is not a building"),
        ("buildings", 6, "outside your scope"), ("buildings", 7, "leader_phone is not a phone number"),
        ("enterprises", 4, "no office building has this name"),
        ("enterprises", 5, "size must be one of micro, small, medium, large"),
        ("enterprises", 6, "employees must be a whole number"),
        ("members", 3, "name is missing"), ("members", 4, "no party organisation has this name")]
    assert BuildingGroup.objects.get(building__code="G1-B9").community == net.committee
    assert Enterprise.objects.get(name="临江数科").employees == 90
    assert PartyMember.objects.count() == 1
    # the page shows the same report; a file that is no workbook is refused on the field
    client = signed_in(net.users["community"])
    page = client.post("/network/import/", {"file": io.BytesIO(b"not excel")}).content.decode()
    assert "这不是 Excel 工作簿" in page  # "This is not an Excel workbook": the page speaks Chinese


def test_demo_network(world: World) -> None:
    Unit.objects.create(kind=UnitKind.COMMUNITY, code="U-C1", name="望江社区居委会", area=world.community)
    for n in range(3):
        Area.objects.create(kind=AreaKind.BUILDING, code=f"G1-B{n}", name=f"望江小区{n}栋", parent=world.grid)
    counts = network_demo_build(1)
    assert counts["building_groups"] == 3
    assert OfficeBuilding.objects.count() == 12
    assert Enterprise.objects.count() >= 48
    assert JointMeeting.objects.get().needs.exists()
    assert BuildingGroup.objects.filter(leader__username="leader-1").exists()
    assert network_demo_build(1) == {}  # once
    call_command("network_demo", stdout=io.StringIO())


@pytest.mark.django_db
def test_demo_network_on_the_generated_city() -> None:
    from cityloop.demo.city import build_city
    from cityloop.network.selectors import building_tree, office_buildings

    build_city(3, 12)
    counts = network_demo_build(3)
    assert counts["office_buildings"] == 12
    assert counts["building_groups"] == Area.objects.filter(kind=AreaKind.BUILDING).count()
    community = get_user_model().objects.get(username="community")
    assert building_tree(community)
    assert office_buildings(community).exists()
    client = signed_in(community)
    for url in ("/network/", "/network/offices/", "/network/meetings/", "/network/workers/",
                f"/network/meetings/{JointMeeting.objects.get().pk}/"):
        assert client.get(url).status_code == 200, url


def test_follow_up_done_stays_on_this_site(world: World) -> None:
    from cityloop.network.services import enterprise_rate

    net = make_network(world)
    follow_up = enterprise_rate(actor=net.users["community"], enterprise_id=net.enterprise.pk, rating="red")
    assert follow_up is not None
    client = signed_in(net.users["community"])
    response = client.post(f"/network/follow-ups/{follow_up.pk}/done/", {"next": "https://evil.example/"})
    assert response["Location"] == "/network/offices/"
    assert signed_in(net.users["other_leader"]).post(f"/network/follow-ups/{follow_up.pk}/done/").status_code == 404


def test_staff_who_only_see_the_registers_get_no_forms(world: World) -> None:
    """An analyst sees the office building, members, meeting and import pages without the forms it may not send."""
    net = make_network(world)
    organisation = PartyOrganisation.objects.create(name="临江数科党支部", kind=PartyOrgKind.BRANCH, area=world.grid,
                                                    office_building=net.office)
    PartyMember.objects.create(organisation=organisation, name="陈红", phone="13700003333")
    services.enterprise_rate(actor=net.users["community"], enterprise_id=net.enterprise.pk, rating=Rating.RED)
    project = services.project_create(actor=net.users["community"], need_id=net.need.pk, resource_id=net.near.pk)
    Need.objects.create(meeting=net.meeting, area=world.community, category=ListCategory.ELDERLY, title="助餐",
                        quantity=1)
    pages = {
        f"/network/offices/{net.office.pk}/": ("/rate/", "/follow-ups/", 'name="survey"'),
        "/network/offices/": ("/follow-ups/",),
        "/network/organisations/": ("/volunteer/",),
        f"/network/meetings/{net.meeting.pk}/": ("/project/", f"/projects/{project.pk}/progress/"),
        "/network/import/": ('enctype="multipart/form-data"',),
    }
    editor, reader = signed_in(net.users["community"]), signed_in(world.users["analyst"])
    for url, forms in pages.items():
        kept, seen = editor.get(url), reader.get(url)
        assert kept.status_code == seen.status_code == 200, url
        for form in forms:
            assert form in kept.content.decode(), (url, form)
            assert form not in seen.content.decode(), (url, form)
    assert "陈*" in reader.get("/network/organisations/").content.decode()  # the rows stay visible
