"""Building blocks for the deliberation tests."""

import datetime as dt
from decimal import Decimal
from typing import Any

from cityloop.conftest import World
from cityloop.core import clock
from cityloop.deliberation.choices import TopicKind
from cityloop.deliberation.models import Building, Owner, Topic
from cityloop.deliberation.services import RollRow, roll_import, topic_create

ROLL = [("1-101", "A", "张三", "100"), ("1-102", "A", "张三", "50"), ("1-201", "B", "李四", "90"),
        ("1-202", "C", "王五", "60"), ("1-301", "D", "赵六", "100")]  # 400 m², 4 owners; A holds two units


def manager(world: World) -> Any:
    return world.users["street_supervisor"]


def topic(world: World) -> Topic:
    return topic_create(actor=manager(world), title="加装电梯", kind=TopicKind.FACILITY, area=world.community)


def building(world: World, rows: list[tuple[str, str, str, str]] = ROLL, declared: str = "400") -> Building:
    b = Building.objects.create(area=world.community, code="B1", name="1号楼", declared_area=Decimal(declared))
    roll_import(actor=manager(world), building=b, rows=[RollRow(*r) for r in rows])
    return b


def owner(b: Building, key: str) -> Owner:
    return Owner.objects.get(building=b, key=key)


def later(days: int = 7) -> dt.datetime:
    return clock.now() + dt.timedelta(days=days)
