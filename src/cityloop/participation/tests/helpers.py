"""Shared builders of the participation tests."""

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model

from cityloop.conftest import World
from cityloop.core import clock
from cityloop.participation import services
from cityloop.participation.choices import DeputyKind, DeputyLevel, Phase, QuestionKind
from cityloop.participation.models import Consultation, Deputy, LiaisonStation, Question, Survey

DAY = dt.timedelta(days=1)


def resident(n: int = 1) -> Any:
    """A citizen account as the portal's code sign-in makes it ("c:" + hash of the contact)."""
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=f"c:resident{n:04d}", defaults={"first_name": f"居民{n}"})
    return user


def consultation(world: World, *, phase: str = Phase.OPEN, days_left: int = 10) -> Consultation:
    now = clock.now()
    sections = [services.SectionInput("第一条", "为了规范城市养犬行为，制定本条例。", "立法目的"),
                services.SectionInput("第二条", "养犬人应当为犬只办理登记，并按规定接种狂犬病疫苗。", "登记"),
                services.SectionInput("第三条", "携犬出户应当束犬链，犬链长度不超过1.5米。", "出户")]
    item = services.consultation_create(actor=world.users["handler"], title="临江市养犬管理条例（草案）",
                                        office_id=world.department.pk, opens_at=now - 5 * DAY,
                                        closes_at=now + days_left * DAY, sections=sections,
                                        summary="征求市民对养犬管理条例草案的意见。")
    Consultation.objects.filter(pk=item.pk).update(phase=phase)
    item.refresh_from_db()
    return item


def survey(consultation_id: int | None = None) -> Survey:
    now = clock.now()
    item = Survey.objects.create(title="养犬管理满意度调查", opens_at=now - DAY, closes_at=now + 10 * DAY,
                                 consultation_id=consultation_id)
    Question.objects.create(survey=item, position=1, kind=QuestionKind.SINGLE, text="您是否养犬？",
                            options=["是", "否"])
    Question.objects.create(survey=item, position=2, kind=QuestionKind.MULTIPLE, text="您关心哪些问题？",
                            options=["噪音", "卫生", "安全"])
    Question.objects.create(survey=item, position=3, kind=QuestionKind.SCALE, text="对现状的满意程度", scale_max=5)
    Question.objects.create(survey=item, position=4, kind=QuestionKind.TEXT, text="其他意见", required=False)
    return item


def station(world: World) -> LiaisonStation:
    return LiaisonStation.objects.create(name="滨江街道代表联络站", area=world.street, unit=world.centre,
                                         address="滨江路1号")


def deputies(point: LiaisonStation) -> list[Deputy]:
    return [Deputy.objects.create(name="张代表", kind=DeputyKind.NPC, level=DeputyLevel.DISTRICT, station=point),
            Deputy.objects.create(name="李委员", kind=DeputyKind.CPPCC, level=DeputyLevel.CITY, station=point),
            Deputy.objects.create(name="王代表", kind=DeputyKind.PARTY, level=DeputyLevel.DISTRICT, station=point)]


def complete_dispatched(world: World, ticket_id: int) -> None:
    """Take a dispatched ticket on to "completed" by the real workflow, as the handling unit does."""
    from cityloop.tickets.models import Ticket
    from cityloop.tickets.services import TransitionInput, ticket_transition
    from cityloop.tickets.tests.flows import valid_call

    for action in ("sign", "contact", "complete"):
        username, params = valid_call(world, action, Ticket.objects.get(pk=ticket_id))
        ticket_transition(ticket_id=ticket_id, action=action, actor=world.users[username],
                          params=TransitionInput(**params))
