"""The objects the authorization matrix points its URLs at, and the bodies it posts.

One of each thing a URL names, placed so that the eight actors stand in different relations to it: the ticket
is filed by `citizen`, located in the street of `street_supervisor` and dispatched to the unit of `handler`;
the consultation is run by that unit; the liaison station is organised by the street office; the topic and the
network lie in the street; `citizen` leads the building group; the deliberation manager is `street_supervisor`.
"""

import datetime as dt
import io
import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from cityloop.conftest import World
from cityloop.core import clock

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
DAY = dt.timedelta(days=1)


def build(world: World) -> dict[str, Any]:
    """Every object a URL of the matrix names, by the name of the URL parameter (or a name of its own)."""
    from cityloop.handling.services import attachment_add
    from cityloop.tickets.services import TicketInput, ticket_create
    from cityloop.tickets.tests.flows import drive

    data = TicketInput(channel="web", ticket_type="complaint", title="小区门口垃圾堆积",
                       description="望江社区3栋门口垃圾三天没人清运。", citizen_name="王先生",
                       citizen_phone="13812345678", latitude=30.605, longitude=114.305,
                       category_id=world.category.pk)
    ticket, _ = ticket_create(actor=world.users["citizen"], data=data)
    assert ticket.citizen_id == world.users["citizen"].pk
    ticket = drive(world, ticket, "dispatched")
    attachment = attachment_add(actor=world.users["handler"], ticket_id=ticket.pk,
                                file=SimpleUploadedFile("photo.png", PNG, content_type="image/png"))
    objects: dict[str, Any] = {"ticket": ticket, "attachment": attachment, "category": world.category}
    objects |= _participation(world, ticket)
    objects |= _deliberation(world)
    objects |= _network(world)
    objects |= _analytics(world, ticket)
    objects |= _assessment(world)
    return objects


def _participation(world: World, ticket: Any) -> dict[str, Any]:
    from cityloop.participation import services
    from cityloop.participation.choices import IssueOutcome
    from cityloop.participation.models import LiaisonStation
    from cityloop.participation.tests import helpers

    consultation = helpers.consultation(world)  # run by world.department, open for comment
    opinion = services.opinion_submit(actor=helpers.resident(), consultation_id=consultation.pk,
                                      body="建议明确犬链长度的执法标准和处罚金额。")
    station = LiaisonStation.objects.create(name="滨江街道代表联络站", area=world.street, unit=world.street_office,
                                            address="滨江路1号")
    deputies = helpers.deputies(station)
    starts = clock.now() + 5 * DAY
    reception = services.reception_schedule(
        actor=world.users["admin"], station_id=station.pk, topic="老旧小区加装电梯", starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2), deputy_ids=[d.pk for d in deputies], slots=[(starts, 5)])
    services.reception_record(actor=world.users["admin"], reception_id=reception.pk, deputy_ids=[deputies[0].pk],
                              attendees="居民12人")
    issue = services.reception_issue_add(actor=world.users["admin"], reception_id=reception.pk,
                                         data=services.IssueInput(
                                             deputy_id=deputies[0].pk, citizen_name="赵女士",
                                             content="建议在老旧小区增设无障碍坡道。", outcome=IssueOutcome.MOTION,
                                             motion_ref="建议第12号"))
    return {"consultation": consultation, "opinion": opinion, "survey": helpers.survey(consultation.pk),
            "station": station, "deputy": deputies[0], "reception": reception, "slot": reception.slots.get(),
            "issue": issue}


def _deliberation(world: World) -> dict[str, Any]:
    from cityloop.deliberation import services
    from cityloop.deliberation.choices import Matter, MeetingKind
    from cityloop.deliberation.models import AssistedMatter, Owner
    from cityloop.deliberation.tests import helpers

    manager = helpers.manager(world)  # street_supervisor
    topic = helpers.topic(world)
    building = helpers.building(world)
    vote = services.vote_open(actor=manager, topic=topic, building=building, question="是否加装电梯",
                              matter=Matter.ORDINARY, closes_at=helpers.later())
    meeting = services.meeting_schedule(actor=manager, topic=topic, kind=MeetingKind.HEARING,
                                        starts_at=helpers.later(3), place="社区会议室", agenda="加装电梯方案")
    statement = services.statement_add(actor=manager, topic=topic, text="电梯费用按楼层分摊")
    done = services.topic_create(actor=manager, title="小区绿化整治", kind="environment", area=world.community)
    resolution = services.resolution_adopt(actor=manager, topic=done, text="补种绿化带", responsible="物业公司",
                                           deadline=(clock.now() + 30 * DAY).date())
    AssistedMatter.objects.create(code="M01", name="城乡居民医保参保登记")
    return {"topic": topic, "building": building, "owner": Owner.objects.get(building=building, key="A"),
            "vote": vote, "meeting": meeting, "statement": statement, "resolution": resolution}


def _network(world: World) -> dict[str, Any]:
    from cityloop.network import services
    from cityloop.network.models import (
        BuildingGroup,
        BuildingPolicy,
        ListCategory,
        Need,
        PartyMember,
        PartyOrganisation,
        PolicyMeasure,
    )
    from cityloop.network.tests.factories import make_network

    net = make_network(world)
    BuildingGroup.objects.filter(pk=net.group.pk).update(leader=world.users["citizen"])
    follow_up = services.enterprise_rate(actor=world.users["admin"], enterprise_id=net.enterprise.pk, rating="orange")
    policy = BuildingPolicy.objects.create(building=net.office, summary="金融中心一楼一策")
    measure = PolicyMeasure.objects.create(policy=policy, text="设立党群服务点", owner="滨江街道")
    organisation = PartyOrganisation.objects.create(name="望江金融中心联合党支部", area=world.grid,
                                                    office_building=net.office)
    member = PartyMember.objects.create(organisation=organisation, name="陈明", phone="13700001111")
    met = Need.objects.create(meeting=net.meeting, area=world.community, category=ListCategory.ELDERLY,
                              title="社区助浴", quantity=5)
    project = services.project_create(actor=world.users["admin"], need_id=met.pk, resource_id=net.near.pk)
    return {"group": net.group, "office": net.office, "enterprise": net.enterprise, "follow_up": follow_up,
            "measure": measure, "member": member, "joint_meeting": net.meeting, "need": net.need,
            "resource": net.near, "project": project}


def _analytics(world: World, ticket: Any) -> dict[str, Any]:
    from cityloop.analytics.models import Warning

    now = clock.now()
    warning = Warning.objects.create(
        kind="concentrated", day=now.date(), category=world.category, area=world.grid, area_path=world.grid.path,
        window_start=now.date() - 2 * DAY, window_end=now.date(), expected=1.2, observed=9, significance=6.0,
        title="集中性: 望江一网格 · 市容环卫", evidence={"tickets": [ticket.pk], "daily": []}, created_at=now,
        updated_at=now)
    return {"warning": warning}


def _assessment(world: World) -> dict[str, Any]:
    from cityloop.assessment import services
    from cityloop.assessment.choices import ReviewKind
    from cityloop.assessment.models import SupervisorReview
    from cityloop.tickets.tests.flows import drive, new_ticket

    exempted = drive(world, new_ticket(world), "completed")
    exemption = services.exemption_request(ticket_id=exempted.pk, actor=world.users["handler"],
                                           kind="outside_jurisdiction", evidence="不在本市")
    review = SupervisorReview.objects.create(ticket=exempted, kind=ReviewKind.REOPEN_LIMIT,
                                             created_at=clock.now(), reason="第二次重办后仍不满意")
    month = f"{clock.now():%Y-%m}"
    services.assessment_compute(month=month, as_of=clock.now())
    # completed and waiting for its callback, with no exemption asked yet
    completed = drive(world, new_ticket(world), "completed")
    return {"exemption": exemption, "review": review, "month": month, "completed": completed}


def workbook() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "党员"
    sheet.append(["organisation", "name", "phone"])
    sheet.append(["望江金融中心联合党支部", "周红", "13700002222"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def post_body(world: World, objects: dict[str, Any], key: str) -> tuple[dict[str, Any] | str, str | None]:
    """A body that would succeed for someone allowed: (body, content type, or None for a form)."""
    ticket = objects["ticket"]
    now = clock.now()
    later = now + 5 * DAY
    version = ticket.version
    text = "第一条 为了规范城市养犬行为，制定本条例。\n第二条 养犬人应当为犬只办理登记。"
    # the workflow's forms take what they need from one body
    generic = {"note": "请尽快办理。", "reply": "已解答。", "reason": "测试", "rating": "satisfied",
               "satisfaction": "satisfied", "version": version, "email": "a@example.org"}
    bodies: dict[str, Any] = {
        **dict.fromkeys(("intake:answer", "dispatch:dispute", "portal:rate", "portal:subscribe"), lambda: generic),
        # --- the ticket loop
        "api:ticket_create": lambda: (json.dumps({"channel": "web", "ticket_type": "complaint", "title": "路灯不亮",
                                                  "description": "滨江路路灯不亮已经一周。"}), "application/json"),
        "api:ticket_transition/urge": lambda: (json.dumps({"note": "请尽快办理。", "version": version}),
                                               "application/json"),
        "tickets:act/sign": lambda: {"version": version, "sign-note": "已签收。"},
        "dispatch:dispatch": lambda: {"unit": world.department.pk, "version": version},
        "handling:attachment_upload": lambda: {
            "attachment-file": SimpleUploadedFile("photo.png", PNG, content_type="image/png")},
        "assessment:press": lambda: {f"press-{ticket.pk}-action": "urge", f"press-{ticket.pk}-note": "请尽快办理。"},
        "assessment:exemption_decide": lambda: {f"decide-{objects['exemption'].pk}-decision": "approve",
                                                f"decide-{objects['exemption'].pk}-reason": "确属外地事项。"},
        "assessment:exemption_request": lambda: {"exemption-kind": "outside_jurisdiction",
                                                 "exemption-evidence": "事发地不在本市。"},
        "assessment:callback_record": lambda: {"callback-resolved": "true", "callback-satisfaction": "satisfied",
                                                "callback-note": "市民满意。"},
        "assessment:callback_unreachable": lambda: {"note": "无人接听"},
        "api:exemption_request": lambda: (json.dumps({"kind": "outside_jurisdiction", "evidence": "事发地不在本市。"}),
                                          "application/json"),
        "api:exemption_decide": lambda: (json.dumps({"decision": "approve", "reason": ""}), "application/json"),
        "api:callback_attempt_record": lambda: (json.dumps({"note": "无人接听"}), "application/json"),
        "assessment:review_close": lambda: {"note": "已约谈承办单位。"},
        # --- participation
        "participation:consultation": lambda: {"body": "建议增加遛狗时间段的规定。", "section": ""},
        "participation:consultation_new": lambda: {
            "title": "临江市物业管理条例（草案）", "office": world.department.pk, "opens_at": f"{now:%Y-%m-%d %H:%M}",
            "closes_at": f"{later + 30 * DAY:%Y-%m-%d %H:%M}", "summary": "", "text": text},
        "participation:version": lambda: {"note": "采纳意见修改第二条。", "text": text},
        "participation:support": dict,
        "participation:flag": lambda: {"reason": "广告"},
        "participation:advance": dict,
        "participation:group": dict,
        "participation:decide": lambda: {"opinion": objects["opinion"].pk, "decision": "adopted", "reason": ""},
        "participation:enter": lambda: {"channel": "paper", "author_name": "钱先生", "body": "建议设置犬只便溺箱。"},
        "participation:from_ticket": lambda: {"number": ticket.number},
        "participation:publish": lambda: {"summary": "共收到意见1条，采纳1条。"},
        "participation:hide": lambda: {"reason": "含人身攻击", "hidden": "1"},
        "participation:stance": lambda: {"stance": "suggest"},
        "participation:regroup": lambda: {"group": ""},
        "participation:survey": lambda: _survey_answers(objects["survey"]),
        "participation:receptions": lambda: {
            "station": objects["station"].pk, "topic": "物业服务", "starts_at": f"{later:%Y-%m-%d %H:%M}",
            "ends_at": f"{later + dt.timedelta(hours=1):%Y-%m-%d %H:%M}", "deputies": [objects["deputy"].pk],
            "slot_minutes": 30, "capacity": 5},
        "participation:reception": lambda: {"slot": objects["slot"].pk, "name": "孙先生", "topic": "停车难",
                                            "phone": "13600001111"},
        "participation:reception_record/record": lambda: {"form": "record", "deputies": [objects["deputy"].pk],
                                                         "attendees": "居民15人", "notes": ""},
        "participation:reception_record/issue": lambda: {
            "form": "issue", "deputy": objects["deputy"].pk, "citizen_name": "周女士", "content": "小区路灯不亮。",
            "outcome": "motion", "motion_ref": "建议第13号"},
        "participation:issue_answer": lambda: {"answer": "已纳入年度改造计划。"},
        # --- deliberation
        "deliberation:topic_new": lambda: {"title": "楼道堆物清理", "kind": "environment", "area": world.community.pk,
                                           "description": ""},
        "deliberation:task_assign": lambda: {"matter_code": "M01", "title": "医保登记"},
        "deliberation:topic_action/meeting": lambda: {
            "meeting-kind": "review", "meeting-starts_at": f"{later:%Y-%m-%d %H:%M}", "meeting-place": "社区会议室",
            "meeting-agenda": "电梯选型"},
        "deliberation:topic_action/resolution": lambda: {
            "resolution-text": "加装电梯", "resolution-responsible": "社区居委会",
            "resolution-deadline": f"{later + 60 * DAY:%Y-%m-%d}"},
        "deliberation:statement_add": lambda: {"text": "优先照顾高层住户"},
        "deliberation:statement_action/agree": dict,
        "deliberation:statement_action/approve": dict,
        "deliberation:meeting_action/opinion": lambda: {"opinion-speaker": "", "opinion-text": "同意加装。"},
        "deliberation:meeting_action/minutes": lambda: {"minutes-minutes": "会议同意推进电梯方案。"},
        "deliberation:vote_action/ballot": lambda: {"ballot-owner": objects["owner"].pk, "ballot-choice": "for"},
        "deliberation:vote_action/close": dict,
        "deliberation:resolution_progress": lambda: {"progress-progress": 50, "progress-note": "已完成一半。"},
        # --- network
        "network:report": lambda: {"title": "楼道灯坏了", "description": "3号楼2单元楼道灯不亮。"},
        "network:office/survey": lambda: {
            "survey": "1", "survey-floors": 21, "survey-floor_area": 30000, "survey-property_manager": "",
            "survey-enterprises": 1, "survey-party_organisations": 1, "survey-party_members": 1, "survey-station": ""},
        "network:office/request": lambda: {"request": "1", "request-enterprise": "临江数科",
                                           "request-title": "办公楼停车难", "request-description": ""},
        "network:rate": lambda: {"rating": "yellow", "note": "订单减少", "building": objects["office"].pk},
        "network:follow_up_done": dict,
        "network:measure_progress": lambda: {"progress": 40},
        "network:volunteer": lambda: {"skills": "法律咨询"},
        "network:project_create": lambda: {"resource": objects["resource"].pk},
        "network:project_progress": lambda: {"progress": 30},
        "network:import": lambda: {"file": SimpleUploadedFile(
            "network.xlsx", workbook(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
        # --- analytics
        "analytics:warning/acknowledge": lambda: {"action": "acknowledge", "note": "已关注。"},
        "analytics:warning/task": lambda: {"action": "task", "unit": world.department.pk, "note": "请排查。",
                                           "ticket_type": "report"},
    }
    made = bodies[key]()
    return made if isinstance(made, tuple) else (made, None)


def _survey_answers(survey: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question in survey.questions.order_by("position"):
        answers[f"q{question.pk}"] = {"single": "0", "multiple": ["0"], "scale": "4"}.get(question.kind, "无")
    return answers

