from typing import Any

import pytest

from cityloop.open311.models import ServiceAttribute
from cityloop.open311.services import open311_key_create


@pytest.fixture
def api_key(world: Any) -> str:
    return open311_key_create(name="城市App")[1]


@pytest.fixture
def attributes(world: Any) -> list[ServiceAttribute]:
    category = world.category
    rows = [
        ("where", "string", True, "具体位置", []),
        ("count", "number", False, "数量", []),
        ("seen_at", "datetime", False, "发现时间", []),
        ("details", "text", False, "补充说明", []),
        ("kind", "singlevaluelist", False, "垃圾种类",
         [{"key": "household", "name": "生活垃圾"}, {"key": "building", "name": "建筑垃圾"}]),
        ("smells", "multivaluelist", False, "气味", [{"key": "sour", "name": "酸"}, {"key": "rotten", "name": "腐"}]),
    ]
    return [ServiceAttribute.objects.create(category=category, code=code, datatype=datatype, required=required,
                                            description=description, order=i, values=values)
            for i, (code, datatype, required, description, values) in enumerate(rows, start=1)]
