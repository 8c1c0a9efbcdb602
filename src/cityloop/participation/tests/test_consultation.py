"""Consultations: opinions from every channel, refusals that change nothing, moderation, grouping, the report."""

import datetime as dt
from email.message import EmailMessage

import pytest
from django.utils import timezone

from cityloop.conftest import World
from cityloop.core import clock
from cityloop.core.errors import ApplicationError, Conflict, InvalidInput
from cityloop.participation import selectors, services
from cityloop.participation.choices import Decision, OpinionChannel, Phase, Stance
from cityloop.participation.models import ContactPoint, ModerationEvent, Opinion, OpinionGroup
from cityloop.participation.tests.helpers import DAY, consultation, resident
from cityloop.tickets.tests.flows import new_ticket


def first_section(item):  # type: ignore[no-untyped-def]
    return selectors.version_current(item).sections.all()[0]  # type: ignore[union-attr]


def test_resident_comments_on_a_section(world: World) -> None:
    item = consultation(world)
    section = first_section(item)
    opinion = services.opinion_submit(actor=resident(), consultation_id=item.pk, section_id=section.pk,
                                      body="建议增加立法目的中关于文明养犬的表述。")
    assert (opinion.channel, opinion.section_id, opinion.stance, opinion.late) == (
        OpinionChannel.WEB, section.pk, Stance.SUGGEST, False)


@pytest.mark.parametrize(("case", "code"), [
    ("closed", "phase_closed"), ("analysis", "phase_closed"), ("too_long", "too_long"), ("empty", "field_required"),
    ("not_verified", "not_verified"), ("staff", "not_verified"), ("throttled", "throttled"),
])
def test_bad_comments_are_refused_and_change_nothing(world: World, case: str, code: str) -> None:
    item = consultation(world, days_left=-1 if case == "closed" else 10,
                        phase=Phase.ANALYSIS if case == "analysis" else Phase.OPEN)
    actor, body = resident(), "我支持这个草案。"
    if case == "too_long":
        body = "养犬" * 10_000  # a 10,000-word comment
    elif case == "empty":
        body = "   "
    elif case == "not_verified":
        actor = world.users["citizen"]
    elif case == "staff":
        actor = world.users["handler"]
    elif case == "throttled":
        for _ in range(services.OPINIONS_PER_HOUR):
            services.opinion_submit(actor=actor, consultation_id=item.pk, body="我支持这个草案。")
    before = Opinion.objects.count()
    with pytest.raises(ApplicationError) as refused:
        services.opinion_submit(actor=actor, consultation_id=item.pk, body=body)
    assert refused.value.code == code
    assert refused.value.message
    assert Opinion.objects.count() == before


def test_comment_after_close_names_the_date(world: World) -> None:
    item = consultation(world, days_left=-1)
    closes = timezone.localtime(item.closes_at)
    with pytest.raises(Conflict, match=f"closed on {closes:%Y-%m-%d %H:%M}"):
        services.opinion_submit(actor=resident(), consultation_id=item.pk, body="反对第三条。")


def test_other_channels_keep_their_channel_and_late_ones_are_marked(world: World) -> None:
    item = consultation(world)
    point = ContactPoint.objects.create(name="望江社区基层立法联系点", area=world.community)
    point.staff.add(world.users["street"])
    paper = services.opinion_enter(actor=world.users["handler"], consultation_id=item.pk,
                                   channel=OpinionChannel.PAPER, body="同意第二条。", author_name="赵阿姨")
    via_point = services.opinion_enter(actor=world.users["street"], consultation_id=item.pk,
                                       channel=OpinionChannel.CONTACT_POINT, body="居民建议犬链放宽到2米。",
                                       author_name="钱先生", contact_point_id=point.pk,
                                       received_at=item.closes_at + DAY)
    suggestion = new_ticket(world, ticket_type="suggestion", title="关于养犬条例的建议",
                            description="建议在小区设置宠物便便箱。")
    hotline = services.opinion_from_ticket(actor=world.users["admin"], consultation_id=item.pk,
                                           ticket_id=suggestion.pk)
    with pytest.raises(Conflict):
        services.opinion_from_ticket(actor=world.users["admin"], consultation_id=item.pk, ticket_id=suggestion.pk)
    complaint = new_ticket(world)
    with pytest.raises(InvalidInput):
        services.opinion_from_ticket(actor=world.users["admin"], consultation_id=item.pk, ticket_id=complaint.pk)
    with pytest.raises(services.Forbidden):  # not the point's staff nor the office
        services.opinion_enter(actor=world.users["other_handler"], consultation_id=item.pk,
                               channel=OpinionChannel.CONTACT_POINT, body="x", author_name="y",
                               contact_point_id=point.pk)
    assert (paper.channel, paper.entered_by, paper.stance) == ("paper", world.users["handler"], Stance.SUPPORT)
    assert (via_point.channel, via_point.author_name, via_point.late, via_point.contact_point) == (
        "contact_point", "钱先生", True, point)
    assert (hotline.channel, hotline.ticket_id, hotline.author_name) == ("hotline", suggestion.pk, "王先生")


def test_email_import_is_idempotent_and_finds_the_section(world: World) -> None:
    item = consultation(world)
    message = EmailMessage()
    message["From"] = "孙女士 <sun@example.org>"
    message["Subject"] = "对第三条的意见"
    message["Message-ID"] = "<abc@example.org>"
    message.set_content("反对犬链长度限制，不合理。")
    raw = message.as_bytes()
    opinion = services.opinion_import_email(consultation_id=item.pk, raw=raw)
    assert opinion is not None
    assert (opinion.channel, opinion.author_contact, str(opinion.section), opinion.stance) == (
        "email", "sun@example.org", "第三条 出户", Stance.OPPOSE)
    assert services.opinion_import_email(consultation_id=item.pk, raw=raw) is None
    assert Opinion.objects.count() == 1


def test_support_once_and_auto_hide_after_reports(world: World) -> None:
    item = consultation(world)
    opinion = services.opinion_submit(actor=resident(1), consultation_id=item.pk, body="支持第二条。")
    assert services.opinion_support(actor=resident(2), opinion_id=opinion.pk) is True
    assert services.opinion_support(actor=resident(2), opinion_id=opinion.pk) is False
    assert selectors.opinion_list_public(item).get().support_total == 1  # type: ignore[attr-defined]
    for n in (3, 3, 4):  # the same person twice counts once
        assert services.opinion_flag(actor=resident(n), opinion_id=opinion.pk) is False
    assert services.opinion_flag(actor=resident(5), opinion_id=opinion.pk) is True
    opinion.refresh_from_db()
    assert opinion.hidden
    assert list(selectors.opinion_list_public(item)) == []
    services.opinion_hide(actor=world.users["handler"], opinion_id=opinion.pk, reason="复核后无不当内容",
                          hidden=False)
    services.opinion_hide(actor=world.users["handler"], opinion_id=opinion.pk, reason="含人身攻击")
    assert list(ModerationEvent.objects.filter(opinion=opinion).values_list("action", flat=True)) == [
        "auto_hide", "restore", "hide"]


def test_grouping_puts_paraphrases_together(world: World) -> None:
    item = consultation(world)
    texts = ["建议犬链长度放宽到2米", "犬链1.5米太短了，建议放宽到2米", "犬链长度建议放宽为两米",
             "希望在小区设置宠物便便箱", "建议小区增设宠物便便收集箱", "小区里应该多设宠物便便箱"]
    for n, text in enumerate(texts):
        services.opinion_submit(actor=resident(n), consultation_id=item.pk, body=text)
    assert services.opinions_group(actor=world.users["handler"], consultation_id=item.pk) == 2
    groups = {frozenset(Opinion.objects.filter(group=g).values_list("body", flat=True))
              for g in OpinionGroup.objects.all()}
    assert groups == {frozenset(texts[:3]), frozenset(texts[3:])}


def test_feedback_report_lists_every_opinion_once(world: World) -> None:
    item = consultation(world)
    grouped = [services.opinion_submit(actor=resident(n), consultation_id=item.pk, body=text) for n, text in
               enumerate(["建议犬链长度放宽到2米", "犬链1.5米太短了，建议放宽到2米"])]
    single = services.opinion_submit(actor=resident(5), consultation_id=item.pk, body="支持登记制度。")
    hidden = services.opinion_submit(actor=resident(6), consultation_id=item.pk, body="广告：出售名犬")
    services.opinion_hide(actor=world.users["handler"], opinion_id=hidden.pk, reason="广告")
    late = services.opinion_enter(actor=world.users["handler"], consultation_id=item.pk,
                                  channel=OpinionChannel.PAPER, body="希望明确流浪犬收容。", author_name="周先生",
                                  received_at=item.closes_at + dt.timedelta(hours=2))
    services.consultation_advance(actor=world.users["handler"], consultation_id=item.pk)
    assert services.opinions_group(actor=world.users["handler"], consultation_id=item.pk) == 1
    group = OpinionGroup.objects.get()
    handler = world.users["handler"]
    services.decision_set(actor=handler, consultation_id=item.pk, group_id=group.pk, decision=Decision.PARTLY,
                          reason="放宽至1.8米，兼顾安全。")
    services.decision_set(actor=handler, consultation_id=item.pk, opinion_id=single.pk, decision=Decision.ADOPTED,
                          reason="")
    with pytest.raises(Conflict, match="1"):  # the late opinion has no decision yet
        services.report_publish(actor=handler, consultation_id=item.pk, summary="感谢参与。")
    item.refresh_from_db()
    assert item.phase == Phase.ANALYSIS
    with pytest.raises(InvalidInput):  # a refusal needs its reason
        services.decision_set(actor=handler, consultation_id=item.pk, opinion_id=late.pk,
                              decision=Decision.NOT_ADOPTED, reason="")
    services.decision_set(actor=handler, consultation_id=item.pk, opinion_id=late.pk, decision=Decision.NOT_ADOPTED,
                          reason="流浪犬收容由另行规定。")
    services.report_publish(actor=handler, consultation_id=item.pk, summary="感谢参与。")

    rows = selectors.report_rows(item)
    assert [r.opinion.pk for r in rows] == [*(o.pk for o in grouped), single.pk, hidden.pk, late.pk]
    by_id = {r.opinion.pk: r for r in rows}
    assert [by_id[o.pk].decision for o in grouped] == [Decision.PARTLY, Decision.PARTLY]
    assert "G" in by_id[grouped[0].pk].status
    assert (by_id[hidden.pk].decision, "广告" in by_id[hidden.pk].status) == (Decision.NOT_ADOPTED, True)
    assert by_id[late.pk].status == "received after the comment period" or by_id[late.pk].status
    assert all(r.decision for r in rows)
    with pytest.raises(Conflict):  # published: decisions are final
        services.decision_set(actor=handler, consultation_id=item.pk, opinion_id=single.pk,
                              decision=Decision.NOT_ADOPTED, reason="x")


def test_only_the_office_analyses(world: World) -> None:
    item = consultation(world, phase=Phase.ANALYSIS)
    opinion = Opinion.objects.create(consultation=item, channel="web", body="x", stance="suggest",
                                     created_at=clock.now())
    for username in ("other_handler", "street", "citizen"):
        with pytest.raises(services.Forbidden):
            services.decision_set(actor=world.users[username], consultation_id=item.pk, opinion_id=opinion.pk,
                                  decision=Decision.ADOPTED, reason="")
    opinion.refresh_from_db()
    assert opinion.decision == ""
