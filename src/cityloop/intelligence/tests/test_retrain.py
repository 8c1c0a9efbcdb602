"""`cityloop classifier retrain`: a model from the platform's closed tickets, optionally made active."""

from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from cityloop.conftest import World
from cityloop.intelligence.registry import active_link, active_model, reset_models
from cityloop.intelligence.retraining import category_taxonomy
from cityloop.tickets.models import Category, Ticket
from cityloop.tickets.tests.flows import new_ticket


def test_retrain_from_closed_tickets_and_activate(world: World, tmp_path: Path, settings: Any) -> None:
    settings.DATA_DIR = tmp_path / "data"
    reset_models()
    top = Category.objects.create(code="02", name="生态环境", level=1)
    noise = Category.objects.create(code="0201", name="噪声污染", level=2, parent=top)
    Category.objects.create(code="020101", name="建筑施工噪声", level=3, parent=noise)
    for i in range(8):
        new_ticket(world, title=f"门口垃圾堆积{i}号楼", description="垃圾没人清运")
        new_ticket(world, title=f"夜间施工噪音{i}号工地", description="噪音扰民睡不着", category_id=noise.pk)
    out = tmp_path / "model"
    with pytest.raises(CommandError):  # nothing closed yet
        call_command("classifier", "retrain", "--out", str(out))
    Ticket.objects.update(status="closed")
    assert ["0201", "建筑施工噪声"] in category_taxonomy(2)  # the label at level 2, then the names below it
    assert ["02", "噪声污染", "建筑施工噪声"] in category_taxonomy(1)
    call_command("classifier", "retrain", "--out", str(out), "--activate")
    model = active_model("category")
    assert model is not None
    assert active_link("category").resolve() == out.resolve()
    assert set(model.labels) == {"0101", "0201"}
    assert model.predict_one("工地晚上施工噪音").label == "0201"
