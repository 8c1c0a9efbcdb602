import math
import random

import pytest
from django.db import connection

from cityloop.conftest import World
from cityloop.intelligence.duplicates import (
    FEATURES,
    Rarity,
    Text,
    cells_within,
    duplicate_candidates,
    neighbours,
    place_conflict,
    reset_rarity,
)
from cityloop.tickets.models import Category, Ticket
from cityloop.tickets.tests.flows import drive, new_ticket

HERE = {"latitude": 30.6050, "longitude": 114.3050}
NEAR = {"latitude": 30.6060, "longitude": 114.3055}  # about 120 m away
FAR = {"latitude": 30.6050, "longitude": 114.3250}  # about 1.9 km away


@pytest.mark.usefixtures("city_elsewhere")
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


def test_merged_tickets_are_not_candidates(world: World) -> None:
    merged = drive(world, new_ticket(world, title="井盖缺失", description="井盖丢了", **NEAR), "merged")
    found = duplicate_candidates(title="井盖缺失", description="井盖丢了", category=world.category, **HERE)
    assert merged.merged_into_id is not None
    assert [c.ticket_id for c in found] == [merged.merged_into_id]  # the ticket it went into is still open


def test_the_ticket_itself_is_not_its_own_duplicate(world: World) -> None:
    ticket = new_ticket(world, title="井盖缺失", description="井盖丢了", **NEAR)
    other = new_ticket(world, title="井盖缺失", description="井盖丢了", **NEAR)
    found = duplicate_candidates(title="井盖缺失", description="井盖丢了", category=world.category,
                                 exclude_id=ticket.pk, **HERE)
    assert [c.ticket_id for c in found] == [other.pk]


def test_without_a_category_every_family_and_the_unclassified_are_candidates(world: World) -> None:
    other_family = Category.objects.create(code="02", name="环境保护", level=1)
    tickets = [new_ticket(world, title="井盖缺失", description="井盖丢了", category_id=category_id, **NEAR)
               for category_id in (world.category.pk, other_family.pk, None)]
    found = duplicate_candidates(title="井盖缺失", description="井盖丢了", **HERE)
    assert sorted(c.ticket_id for c in found) == [t.pk for t in tickets]


@pytest.mark.django_db
def test_the_lookup_reads_the_family_index() -> None:
    """Each part of the lookup (the family's categories, the unclassified) is a range of the (category, cell,
    created_at) index, not a scan of every ticket in the cells: what keeps dense places fast. PostgreSQL plans
    by table statistics, which a test database's few rows do not have; the benchmark prints its plan."""
    if connection.vendor != "sqlite":
        pytest.skip("the plan of a nearly empty PostgreSQL table says nothing")
    category = Category.objects.create(code="02", name="环境保护", level=1)
    sql, params = neighbours(latitude=30.605, longitude=114.305, category=category, radius=1000, exclude_id=1)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        steps = [row[-1] for row in cursor.fetchall()]
    searches = [step for step in steps if step.startswith("SEARCH tickets_ticket")]
    assert searches == ["SEARCH tickets_ticket USING INDEX ticket_category_cell_time "
                        "(category_id=? AND cell=? AND created_at>?)"] * 2


def test_cosines_follow_the_definition() -> None:
    """The array computation gives the weighted cosine of gram sets as written out here: characters and pairs
    of adjacent characters, each once per text, weighted by the squared log((n + 1) / (df + 1)) among the
    sample, and log(n + 1) squared for a gram the sample lacks."""
    sample = ["井盖缺失", "路灯不亮", "井盖丢了很危险", "", "垃圾堆积好几天"]
    rarity = Rarity.of(sample)

    def grams(text: str) -> set[str]:
        return set(text) | {text[i:i + 2] for i in range(len(text) - 1)}

    def squared(gram: str) -> float:
        df = sum(gram in grams(text) for text in sample)
        return math.log((len(sample) + 1) / (df + 1)) ** 2 if df else math.log(len(sample) + 1) ** 2

    def cosine(a: str, b: str) -> float:
        norms = math.sqrt(sum(map(squared, grams(a)))) * math.sqrt(sum(map(squared, grams(b))))
        return sum(map(squared, grams(a) & grams(b))) / norms if norms else 0.0

    query = "井盖丢了井盖"  # a gram said twice counts once
    # "丢" then "了井": the pair "丢了" across them belongs to neither; "啊" is not in the sample.
    others = ["井盖缺失", "", "丢", "了井", "路灯不亮", "井盖丢了很危险啊"]
    assert rarity.cosines(query, others) == pytest.approx([cosine(query, other) for other in others])
    assert rarity.cosines("", others).tolist() == [0.0] * len(others)


def test_no_point_no_candidates(world: World) -> None:
    new_ticket(world, **NEAR)
    assert duplicate_candidates(title="x", description="y", latitude=None, longitude=None) == []


@pytest.mark.parametrize("limit", [1, 3])
def test_limit(world: World, limit: int) -> None:
    for _ in range(4):
        new_ticket(world, **NEAR)
    assert len(duplicate_candidates(title="垃圾堆积", description="垃圾没人清运", limit=limit, **HERE)) == limit


# What else the city reports, far away: how common each gram is is learnt from the newest tickets, and a lookup
# among two or three tickets would find every word common.
ELSEWHERE = ("路灯不亮", "楼道堆满杂物", "电梯故障困人", "自来水发黄", "路面坑洼积水", "公厕脏乱", "夜间施工噪音",
             "饭店油烟扰民", "河道发臭", "公交站台破损", "人行道违停", "垃圾清运不及时", "绿化带被毁", "楼顶漏水")


@pytest.fixture(autouse=True)
def _fresh_rarity() -> None:
    reset_rarity()


@pytest.fixture
def city_elsewhere(world: World) -> None:
    for i, problem in enumerate(ELSEWHERE):
        new_ticket(world, title=problem, description=f"{problem}{i + 1}号楼，居民意见很大，请尽快处理。", **FAR)


@pytest.mark.usefixtures("city_elsewhere")
def test_another_building_is_another_spot(world: World) -> None:
    here = new_ticket(world, title="望江小区3栋门口井盖缺失", description="3栋门口井盖丢了，晚上很危险", **NEAR)
    there = new_ticket(world, title="望江小区5栋门口井盖缺失", description="5栋门口井盖丢了，晚上很危险", **NEAR)
    found = duplicate_candidates(title="望江小区3号楼井盖没了", description="3号楼门前的井盖不见了",
                                 category=world.category, **HERE)
    by_id = {c.ticket_id: c for c in found}
    assert found[0].ticket_id == here.pk
    assert found[0].suggest_merge
    assert by_id[there.pk].features[FEATURES.index("place_conflict")] == 1.0
    assert by_id[there.pk].score < 0.05


def test_words_every_caller_uses_do_not_make_a_duplicate(world: World) -> None:
    """What callers say of any problem ("居民意见很大") is common among recent tickets and weighs little."""
    said_of_all = "居民意见很大，已经反映过好几次了，希望有关部门尽快解决。"
    for problem in ELSEWHERE:
        new_ticket(world, title=problem, description=f"{problem}，{said_of_all}", **FAR)
    other = new_ticket(world, title="绿化带被毁", description=f"绿化带被人毁了种菜，{said_of_all}", **NEAR)
    found = duplicate_candidates(title="井盖缺失", description=f"井盖丢了，晚上很危险，{said_of_all}",
                                 category=world.category, **HERE)
    assert [c.ticket_id for c in found] == [other.pk]
    assert not found[0].suggest_merge


def test_unclassified_neighbours_are_candidates(world: World) -> None:
    unclassified = new_ticket(world, title="井盖缺失", description="门口井盖丢了", category_id=None, **NEAR)
    found = duplicate_candidates(title="井盖没了", description="门口的井盖丢了", category=world.category, **HERE)
    assert [c.ticket_id for c in found] == [unclassified.pk]
    assert found[0].features[FEATURES.index("same_category")] == 0.0


def test_place_marks() -> None:
    marks = Text.of("幸福小区3号楼电梯故障", "5月12号起3单元电梯停运").marks
    assert marks == {("estate", "幸福小区"), ("building", "3"), ("entrance", "3")}  # 12号 is a date
    assert not place_conflict(marks, Text.of("幸福小区3栋", "").marks)
    assert place_conflict(marks, Text.of("幸福小区5栋", "").marks)
    assert place_conflict(marks, Text.of("阳光花园3栋", "").marks)
    assert not place_conflict(marks, Text.of("电梯又坏了", "").marks)  # a text without a place disagrees with none


@pytest.mark.parametrize("radius", [300, 1000])
def test_the_cells_cover_the_circle(radius: int) -> None:
    rng = random.Random(radius)
    for _ in range(50):
        lat, lon = 30.5 + rng.random() * 0.2, 114.2 + rng.random() * 0.2
        cells = set(cells_within(lat, lon, radius))
        for step in range(36):  # points on the circle's edge, where a too small disk misses
            bearing = math.radians(step * 10)
            edge_lat = lat + radius * 0.999 * math.cos(bearing) / 111_320
            edge_lon = lon + radius * 0.999 * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
            assert Ticket.cell_of(edge_lat, edge_lon) in cells
