"""The intake pipeline: classification with the active model, urgency rules, analysis, automatic dispatch, bad input."""

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cityloop.conftest import World
from cityloop.core.errors import InvalidInput
from cityloop.dispatch import suggest
from cityloop.intake.selectors import intake_suggestions
from cityloop.intake.services import ticket_intake, type_by_rule
from cityloop.intelligence.classification import ClassifierConfig, TextClassifier
from cityloop.intelligence.duplicates import reset_rarity
from cityloop.intelligence.models import IntakeAnalysis
from cityloop.intelligence.registry import activate, active_model, reset_models
from cityloop.organisation.models import Unit
from cityloop.tickets.choices import Status
from cityloop.tickets.models import Category, Ticket, TicketEvent
from cityloop.tickets.services import TicketInput

TITLES = {"0101": ["小区门口垃圾堆积", "垃圾桶满了没人清运", "路边垃圾乱堆", "垃圾站臭味大", "楼下垃圾没人收"],
          "0201": ["工地夜间施工噪音", "广场舞音响太吵", "夜里装修噪音扰民", "酒吧音乐声太大", "施工机器轰鸣"]}


def _input(**overrides: Any) -> TicketInput:
    data = TicketInput(channel="phone", ticket_type="complaint", title="小区门口垃圾堆积",
                       description="望江社区3栋门口垃圾三天没人清运。", citizen_phone="13812345678",
                       latitude=30.605, longitude=114.305)
    for key, value in overrides.items():
        setattr(data, key, value)
    return data


@pytest.fixture
def model_dir(world: World, tmp_path: Path, settings: Any) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    reset_models()
    top = Category.objects.create(code="02", name="生态环境", level=1)
    Category.objects.create(code="0201", name="噪声污染", level=2, parent=top)
    titles = [t for ts in TITLES.values() for t in ts] * 3
    labels = [code for code, ts in TITLES.items() for _ in ts] * 3
    model = TextClassifier(config=ClassifierConfig(calibration_folds=2, self_training_fraction=0))
    model.fit(titles, labels)
    return model.save(tmp_path / "v1")


def test_without_active_model_intake_records_and_skips_classification(world: World, settings: Any,
                                                                       tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    reset_models()
    result = ticket_intake(actor=world.users["operator"], data=_input(), idempotency_key="k1")
    assert result.created
    assert result.ticket.category_id is None
    assert result.analysis is not None
    assert result.analysis.categories == []
    assert result.ticket.status == Status.RECEIVED


def test_active_model_classifies_and_a_retry_returns_the_first(world: World, model_dir: Path) -> None:
    activate("category", model_dir)
    assert active_model("category") is not None
    result = ticket_intake(actor=world.users["operator"], data=_input(title="夜里工地施工噪音太大", description=""),
                           idempotency_key="k2")
    assert result.analysis is not None
    assert result.analysis.categories[0]["label"].startswith("0201")
    again = ticket_intake(actor=world.users["operator"], data=_input(), idempotency_key="k2")
    assert not again.created
    assert again.ticket.pk == result.ticket.pk
    assert Ticket.objects.count() == 1
    assert IntakeAnalysis.objects.count() == 1
    suggestions = intake_suggestions("垃圾桶满了\n门口垃圾没人清运", 30.605, 114.305)
    assert suggestions["categories"][0]["label"].startswith("0101")
    assert [d["id"] for d in suggestions["duplicates"]] == []  # the first ticket is noise, not rubbish


def test_emergency_words_make_it_urgent_and_type_rules() -> None:
    assert type_by_rule("请问公积金怎么提取？") == "inquiry"
    assert type_by_rule("表扬环卫工人") == "praise"
    assert type_by_rule("路灯坏了") == "complaint"


def test_emergency_and_duplicates_are_stored(world: World) -> None:
    first = ticket_intake(actor=world.users["operator"], data=_input(category_id=world.category.pk),
                          idempotency_key="a").ticket
    result = ticket_intake(actor=world.users["operator"], data=_input(
        title="楼道里燃气泄漏，味道很大", description="3栋门口垃圾也没人清运", category_id=world.category.pk),
        idempotency_key="b")
    assert result.ticket.urgency == "emergency"
    assert result.analysis is not None
    assert result.analysis.urgency_rule == "燃气泄漏"
    first_dup = ticket_intake(actor=world.users["operator"], data=_input(category_id=world.category.pk),
                              idempotency_key="c")
    assert first_dup.analysis is not None
    assert first.pk in [d["id"] for d in first_dup.analysis.duplicates]


def test_automatic_dispatch_above_threshold_only_for_dispatchers(world: World, monkeypatch: Any) -> None:
    advice = suggest.Advice([suggest.UnitScore(world.department.pk, 0.99)], True, 0.9)
    monkeypatch.setattr(suggest, "dispatch_advice", lambda ticket: advice)
    by_operator = ticket_intake(actor=world.users["operator"], data=_input(), idempotency_key="o")
    assert by_operator.ticket.status == Status.RECEIVED  # an operator may not dispatch
    result = ticket_intake(actor=world.users["dispatcher"], data=_input(title="路灯不亮", description="长江路路灯坏了"),
                           idempotency_key="d")
    assert result.analysis is not None
    assert result.analysis.auto_dispatched
    ticket = Ticket.objects.get(pk=result.ticket.pk)
    assert ticket.status == Status.DISPATCHED
    assert ticket.unit_id == world.department.pk
    assert TicketEvent.objects.filter(ticket=ticket, action="dispatch").exists()


@pytest.mark.parametrize(("field", "overrides", "code"), [
    ("title", {"title": "   "}, "field_required"),
    ("description", {"description": "井盖" * 50_000}, "too_long"),
    ("description", {"description": "abc\x00\x01\x02\xff\ufffd"}, "binary_text"),
    ("title", {"title": "\x89PNG\r\n\x1a\n"}, "binary_text"),
])
def test_bad_input_is_refused_and_nothing_written(world: World, field: str, overrides: dict[str, str],
                                                  code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        ticket_intake(actor=world.users["operator"], data=_input(**overrides), idempotency_key="bad")
    assert caught.value.details == {"field": field}
    assert caught.value.code == code
    assert not Ticket.objects.exists()
    assert not IntakeAnalysis.objects.exists()


def test_suggestions_carry_units_and_answers(world: World, model_dir: Path) -> None:
    from cityloop.dispatch.models import CatalogueEntry
    from cityloop.intelligence.knowledge import reset_knowledge_index
    from cityloop.intelligence.models import KnowledgeArticle

    activate("category", model_dir)
    suggest.reset_dispatch_model()
    CatalogueEntry.objects.create(category=world.category, area=world.city, unit=world.department)
    KnowledgeArticle.objects.create(title="垃圾清运时间", question="垃圾什么时候清运", answer="每天早晚各清运一次。")
    reset_knowledge_index()
    suggestions = intake_suggestions("门口垃圾没人清运\n垃圾桶满了", 30.605, 114.305)
    assert suggestions["units"][0]["id"] == world.department.pk
    assert suggestions["answers"][0]["title"] == "垃圾清运时间"
    assert intake_suggestions("", None, None) == {"categories": [], "units": [], "duplicates": [], "answers": []}


def test_a_failed_automatic_dispatch_keeps_the_advice(world: World, monkeypatch: Any) -> None:
    advice = suggest.Advice([suggest.UnitScore(world.department.pk, 0.99)], True, 0.9)
    monkeypatch.setattr(suggest, "dispatch_advice", lambda ticket: advice)
    Unit.objects.filter(pk=world.department.pk).update(active=False)  # the advised unit closed meanwhile
    result = ticket_intake(actor=world.users["dispatcher"], data=_input(), idempotency_key="d")
    assert result.analysis is not None
    assert not result.analysis.auto_dispatched
    stored = IntakeAnalysis.objects.get(ticket=result.ticket)
    assert not stored.auto_dispatched
    assert stored.dispatch_threshold == 0.9
    ticket = Ticket.objects.get(pk=result.ticket.pk)
    assert ticket.status == Status.RECEIVED
    assert not TicketEvent.objects.filter(ticket=ticket, action="dispatch").exists()


def test_the_pipeline_reads_as_much_with_many_tickets_around(world: World) -> None:
    """Bounded queries: the neighbours' number changes what is scored, not how many queries are made."""
    def queries(key: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            ticket_intake(actor=world.users["operator"], data=_input(category_id=world.category.pk),
                          idempotency_key=key)
        return len(captured)

    queries("warm")  # the per-process indexes (places, grids, rarity) are built on first use
    reset_rarity()
    few = queries("few")
    for i in range(30):
        ticket_intake(actor=world.users["operator"], data=_input(
            title=f"门口垃圾堆积{i}", description="垃圾没人清运", category_id=world.category.pk),
            idempotency_key=f"n{i}")
    reset_rarity()
    assert queries("many") == few
