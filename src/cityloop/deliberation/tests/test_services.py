"""The services: owners' roll, votes, proxies, resolutions, statements, assisted matters; refusals change nothing."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from cityloop.conftest import World
from cityloop.core import clock
from cityloop.core.errors import Conflict, InvalidInput, NotFound
from cityloop.deliberation import services as s
from cityloop.deliberation.choices import Matter, MeetingKind, StatementStatus, TopicStatus
from cityloop.deliberation.models import (
    AssistedMatter,
    Ballot,
    Building,
    CommunityNeed,
    CommunityTask,
    Document,
    DwellingUnit,
    OrganisationService,
    Owner,
    SocialOrganisation,
    Statement,
)
from cityloop.deliberation.selectors import deliberation_csv, service_matches, topic_history
from cityloop.deliberation.tests.helpers import building, later, manager, owner, topic

pytestmark = pytest.mark.django_db


def test_roll_that_does_not_add_up_is_refused_with_the_difference(world: World) -> None:
    b = Building.objects.create(area=world.community, code="B9", name="9号楼", declared_area=Decimal("401"))
    rows = [s.RollRow("1", "A", "甲", "100"), s.RollRow("2", "B", "乙", "300")]
    with pytest.raises(InvalidInput) as refused:
        s.roll_import(actor=manager(world), building=b, rows=rows)
    assert "difference -1 m²" in refused.value.message
    assert refused.value.details["difference"] == "-1"
    assert not DwellingUnit.objects.exists()
    assert not Owner.objects.exists()
    b.declared_area = Decimal("400.30")  # within the 0.5 m² rounding tolerance
    assert s.roll_import(actor=manager(world), building=b, rows=rows) == 2


def test_roll_with_repeated_unit_or_bad_area_is_refused(world: World) -> None:
    b = Building.objects.create(area=world.community, code="B9", name="9号楼", declared_area=Decimal("200"))
    rows = [s.RollRow("1", "A", "甲", "100"), s.RollRow("1", "B", "乙", "100"), s.RollRow("3", "C", "丙", "0"),
            s.RollRow("4", "D", "丁", "abc")]
    with pytest.raises(InvalidInput) as refused:
        s.roll_import(actor=manager(world), building=b, rows=rows)
    assert "unit 1 appears twice" in refused.value.message
    assert "line 4: floor area '0'" in refused.value.message
    assert not DwellingUnit.objects.exists()


def test_roll_from_csv_and_xlsx() -> None:
    rows = s.read_roll(name="r.csv", content="unit_code,owner_id,owner_name,floor_area\n1-101,A,张三,88.5\n".encode())
    assert rows == [s.RollRow("1-101", "A", "张三", "88.5")]
    from io import BytesIO

    from openpyxl import Workbook
    book = Workbook()
    book.active.append(["floor_area", "unit_code", "owner_id", "owner_name"])
    book.active.append([70.25, "2-101", "B", "李四"])
    buffer = BytesIO()
    book.save(buffer)
    assert s.read_roll(name="r.xlsx", content=buffer.getvalue()) == [s.RollRow("2-101", "B", "李四", "70.25")]
    with pytest.raises(InvalidInput, match="Missing columns"):
        s.read_roll(name="r.csv", content=b"unit,area\n1,2\n")


def test_owner_of_several_units_votes_once_with_the_sum_of_the_areas(world: World) -> None:
    b = building(world)
    t = topic(world)
    vote = s.vote_open(actor=manager(world), topic=t, building=b, question="是否加装电梯", matter=Matter.ORDINARY,
                       closes_at=later())
    s.ballot_cast(actor=manager(world), vote=vote, owner=owner(b, "A"), choice="for")
    with pytest.raises(Conflict, match="already voted"):
        s.ballot_cast(actor=manager(world), vote=vote, owner=owner(b, "A"), choice="against")
    assert Ballot.objects.get().choice == "for"
    s.ballot_cast(actor=manager(world), vote=vote, owner=owner(b, "B"), choice="against")
    s.ballot_cast(actor=manager(world), vote=vote, owner=owner(b, "C"), choice="abstain")
    # A (150 m², one head) + B (90) + C (60): 300 of 400 m² and 3 of 4 heads take part; for: 150/300 = 1/2, 1/3
    closed = s.vote_close(actor=manager(world), vote=vote)
    checks = {c["name"]: c for c in closed.result["checks"]}
    assert checks["quorum_area"]["numerator"] == "300"
    assert checks["quorum_area"]["denominator"] == "400"
    assert checks["quorum_heads"]["exact"] == "3/4"
    assert checks["approval_area"]["exact"] == "1/2"
    assert checks["approval_area"]["passed"] is False  # exactly half is not more than half
    assert closed.result["approved"] is False


def test_proxy_votes_and_a_vote_after_closing(world: World) -> None:
    b = building(world)
    t = topic(world)
    vote = s.vote_open(actor=manager(world), topic=t, building=b, question="动用维修资金更换水泵",
                       matter=Matter.MAINTENANCE_FUNDS, closes_at=later())
    with pytest.raises(InvalidInput, match="no registered proxy"):
        s.ballot_cast(actor=manager(world), vote=vote, owner=owner(b, "D"), cast_by=owner(b, "A"), choice="for")
    s.proxy_register(actor=manager(world), vote=vote, grantor=owner(b, "D"), holder=owner(b, "A"))
    s.ballot_cast(actor=manager(world), vote=vote, owner=owner(b, "D"), cast_by=owner(b, "A"), choice="for")
    s.ballot_cast(actor=manager(world), vote=vote, owner=owner(b, "A"), choice="for")
    s.ballot_cast(actor=manager(world), vote=vote, owner=owner(b, "C"), choice="for")
    with clock.frozen_at(vote.closes_at + dt.timedelta(seconds=1)), pytest.raises(Conflict, match="closed"):
        s.ballot_cast(actor=manager(world), vote=vote, owner=owner(b, "B"), choice="against")
    assert Ballot.objects.count() == 3
    closed = s.vote_close(actor=manager(world), vote=vote)
    assert closed.result["approved"] is True  # 310/310 m², 3/3 heads; quorum 310/400 ≥ 2/3 and 3/4 ≥ 2/3
    with pytest.raises(Conflict, match="closed"):
        s.ballot_cast(actor=manager(world), vote=vote, owner=owner(b, "B"), choice="against")
    assert Ballot.objects.count() == 3


def test_an_owner_votes_for_themselves_only(world: World) -> None:
    b = building(world)
    vote = s.vote_open(actor=manager(world), topic=topic(world), building=b, question="q", matter=Matter.ORDINARY,
                       closes_at=later())
    Owner.objects.filter(pk=owner(b, "B").pk).update(user=world.users["citizen"])
    s.ballot_cast(actor=world.users["citizen"], vote=vote, owner=owner(b, "B"), choice="for")
    with pytest.raises(NotFound):
        s.ballot_cast(actor=world.users["citizen"], vote=vote, owner=owner(b, "C"), choice="for")


def test_meeting_resolution_and_completion(world: World, django_capture_on_commit_callbacks: Any) -> None:
    t = topic(world)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = s.meeting_schedule(actor=manager(world), topic=t, kind=MeetingKind.HEARING, starts_at=later(2),
                                     place="社区议事厅", agenda="1. 方案介绍", online_url="https://meet.example/1",
                                     invitees=[("业委会主任", "chair@example.org")])
    assert [m.to for m in mail.outbox] == [["chair@example.org"]]
    assert "https://meet.example/1" in mail.outbox[0].body
    s.opinion_add(actor=world.users["citizen"], meeting=meeting, speaker="居民", text="支持", online=True)
    s.meeting_record(actor=manager(world), meeting=meeting, minutes="多数同意",
                     attendance={meeting.invitations.get().pk: "online"})
    resolution = s.resolution_adopt(actor=manager(world), topic=t, text="加装电梯", responsible="物业公司",
                                    deadline=dt.date(2030, 1, 1))
    s.resolution_progress(actor=manager(world), resolution=resolution, progress=50, note="施工中")
    with pytest.raises(InvalidInput, match="cannot go back"):
        s.resolution_progress(actor=manager(world), resolution=resolution, progress=20, note="x")
    s.resolution_progress(actor=manager(world), resolution=resolution, progress=100, note="完工")
    t.refresh_from_db()
    assert t.status == TopicStatus.COMPLETED
    kinds = [e["kind"] for e in topic_history(t)]
    assert sorted(kinds) == ["meeting", "progress", "progress", "resolution", "topic"]
    with pytest.raises(NotFound):  # only those who run the community's deliberation
        s.resolution_adopt(actor=world.users["citizen"], topic=t, text="x", responsible="y",
                           deadline=dt.date(2030, 1, 1))


def test_documents_are_checked_by_their_first_bytes(world: World) -> None:
    t = topic(world)
    doc = s.document_attach(actor=manager(world), topic=t, name="方案.pdf", content=b"%PDF-1.4 ...")
    assert doc.content_type == "application/pdf"
    with pytest.raises(InvalidInput, match="Only PDF"):
        s.document_attach(actor=manager(world), topic=t, name="evil.pdf", content=b"MZ\x90\x00")
    assert Document.objects.count() == 1


def test_statements_are_moderated_and_exported(world: World) -> None:
    t = topic(world)
    pending = s.statement_add(actor=world.users["citizen"], topic=t, text="电梯费用应按楼层分摊")
    assert pending.status == StatementStatus.PENDING
    with pytest.raises(Conflict):
        s.statement_vote(actor=world.users["other_citizen"], statement=pending, value=1)
    s.statement_moderate(actor=manager(world), statement=pending, approve=True)
    s.statement_vote(actor=world.users["other_citizen"], statement=pending, value=1)
    s.statement_vote(actor=world.users["other_citizen"], statement=pending, value=-1)  # changed their mind
    text = deliberation_csv(t)
    assert "电梯费用应按楼层分摊,0,1,0" in text
    assert Statement.objects.count() == 1


def test_assisted_matters_and_matching(world: World) -> None:
    AssistedMatter.objects.create(code="M01", name="城乡居民医保参保登记")
    AssistedMatter.objects.create(community=world.community, code="M02", name="退役军人信息采集")
    s.community_task_assign(actor=manager(world), community=world.community, matter_code="M02", title="采集")
    with pytest.raises(InvalidInput, match="not on 望江社区's list") as refused:
        s.community_task_assign(actor=manager(world), community=world.community, matter_code="X99", title="拆违")
    assert refused.value.details == {"field": "matter"}
    assert CommunityTask.objects.count() == 1
    org = SocialOrganisation.objects.create(name="夕阳红志愿队")
    OrganisationService.objects.create(organisation=org, category="elderly", name="助餐")
    CommunityNeed.objects.create(community=world.community, category="elderly", text="独居老人助餐")
    assert [o.organisation.name for o in service_matches(world.community)[0]["offers"]] == ["夕阳红志愿队"]
