import pytest

from cityloop.conftest import World
from cityloop.intelligence.duplicates import duplicate_candidates
from cityloop.tickets.models import Category
from cityloop.tickets.tests.flows import drive, new_ticket

HERE = {"latitude": 30.6050, "longitude": 114.3050}
NEAR = {"latitude": 30.6060, "longitude": 114.3055}  # about 120 m away
FAR = {"latitude": 30.6050, "longitude": 114.3250}  # about 1.9 km away


def test_same_problem_same_place_ranks_first(world: World) -> None:
    same = new_ticket(world, title="望江路12号井盖缺失", description="望江路12号门口井盖丢了，晚上很危险", **NEAR)
    other_problem = new_ticket(world, title="望江路12号路灯不亮", description="门口路灯一周没亮", **NEAR)
    far_same = new_ticket(world, title="井盖缺失", description="井盖丢了很危险", **FAR)
    found = duplicate_candidates(title="井盖没了", description="望江路12号门前的井盖不见了，怕有人掉下去",
                                 category=world.category, **HERE)
    ids = [c.ticket_id for c in found]
    assert ids[0] == same.pk
    assert far_same.pk not in ids
    assert found[0].suggest_merge
    assert all(not c.suggest_merge for c in found if c.ticket_id == other_problem.pk)


def test_closed_and_other_families_are_not_candidates(world: World) -> None:
    closed = drive(world, new_ticket(world, title="井盖缺失", description="井盖丢了", **NEAR), "closed")
    other_family = Category.objects.create(code="02", name="环境保护", level=1)
    new_ticket(world, title="井盖缺失", description="井盖丢了", category_id=other_family.pk, **NEAR)
    found = duplicate_candidates(title="井盖缺失", description="井盖丢了", category=world.category, **HERE)
    assert [c.ticket_id for c in found] == []
    assert closed.status == "closed"


def test_no_point_no_candidates(world: World) -> None:
    new_ticket(world, **NEAR)
    assert duplicate_candidates(title="x", description="y", latitude=None, longitude=None) == []


@pytest.mark.parametrize("limit", [1, 3])
def test_limit(world: World, limit: int) -> None:
    for _ in range(4):
        new_ticket(world, **NEAR)
    assert len(duplicate_candidates(title="垃圾堆积", description="垃圾没人清运", limit=limit, **HERE)) == limit
