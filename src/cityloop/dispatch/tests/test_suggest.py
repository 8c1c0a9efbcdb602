"""Dispatch suggestion: history by category × area, text neighbours, returns, calibration, the catalogue."""

import random
from typing import Any

from cityloop.conftest import World
from cityloop.dispatch import suggest
from cityloop.dispatch.models import CatalogueEntry
from cityloop.dispatch.suggest import DispatchModel, Example, Query, dispatch_advice
from cityloop.tickets.tests.flows import new_ticket

LIGHTS = ("路灯不亮", "路灯坏了好几天", "晚上路灯一直不亮", "小区路灯闪烁")
RUBBISH = ("垃圾没人清运", "垃圾桶满了", "门口垃圾堆积", "垃圾站很臭")


def _history(n: int = 400, seed: int = 1) -> list[Example]:
    """Lights (category 1/2) go to unit 10; rubbish (1/3) to the street office of the area: 20 or 21."""
    rng = random.Random(seed)
    examples = []
    for _ in range(n):
        area = ("1", "2", rng.choice(("3", "4")))
        if rng.random() < 0.5:
            examples.append(Example(("1", "2"), area, rng.choice(LIGHTS), 10))
        else:
            examples.append(Example(("1", "3"), area, rng.choice(RUBBISH), 20 if area[2] == "3" else 21))
    return examples


def test_history_by_area_and_calibrated_automatic_dispatch() -> None:
    model = DispatchModel.fit(_history())
    assert model.logistic is not None
    assert 0 < model.threshold < 1
    rubbish_here = model.advise(Query(("1", "3"), ("1", "2", "4"), "门口垃圾没人清运"))
    assert rubbish_here.units[0].unit_id == 21
    assert rubbish_here.automatic
    lights = model.advise(Query(("1", "2"), ("1", "2", "3"), "路灯不亮"))
    assert lights.units[0].unit_id == 10
    assert all(0 <= u.confidence <= 1 for u in lights.units)
    assert len(lights.units) <= 3


def test_returns_penalise_the_unit_for_that_category_and_area() -> None:
    history = _history()
    area = ("1", "2", "4")
    # unit 21 sent back most rubbish tickets of its area; it handled them in the end, but less often than 30
    history += [Example(("1", "3"), area, "垃圾没人清运", 30) for _ in range(60)]
    before = DispatchModel.fit(history).advise(Query(("1", "3"), area, "垃圾没人清运"))
    returns = [(("1", "3"), area, 21)] * 200
    after = DispatchModel.fit(history, returns).advise(Query(("1", "3"), area, "垃圾没人清运"))
    score = {u.unit_id: u.confidence for u in before.units}
    score_after = {u.unit_id: u.confidence for u in after.units}
    assert score_after[21] < score[21]


def test_no_history_catalogue_only_never_automatic() -> None:
    model = DispatchModel.fit([])
    advice = model.advise(Query(("1",), ("1",), "路灯不亮", catalogue_unit_id=7))
    assert [u.unit_id for u in advice.units] == [7]
    assert not advice.automatic


def test_dispatch_advice_for_a_ticket_uses_the_catalogue(world: World, monkeypatch: Any) -> None:
    suggest.reset_dispatch_model()
    CatalogueEntry.objects.create(category=world.category, area=world.city, unit=world.department)
    advice = dispatch_advice(new_ticket(world))
    assert advice.units[0].unit_id == world.department.pk
    assert not advice.automatic
    suggest.reset_dispatch_model()
