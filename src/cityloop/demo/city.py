"""The fictional demo city 澜城市: its area tree with grid polygons, handling units, staff and their roles.

Grids are the cells of a jittered lattice around a centre near 114.3°E 30.6°N; a snake walk through the lattice
is cut into consecutive runs for communities, streets and districts, so that every area is a connected patch.
Everything is drawn from one seeded generator, so the same seed gives the same city.
"""

import math
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from shapely.geometry import Polygon, mapping, shape

from cityloop.organisation.choices import AreaKind, Role, UnitKind
from cityloop.organisation.geo import reset_grid_index
from cityloop.organisation.models import Area, Membership, Unit

# The one documented password of every demo account. Demo only: never use the demo in production.
DEMO_PASSWORD = "cityloop-demo"  # noqa: S105 - documented, public demo credential

CITY_CODE = "LC"
CITY_NAME = "澜城市"
CENTRE = (114.30, 30.60)  # lon, lat of the fictional city centre
CELL = (0.012, 0.010)  # degrees of longitude and latitude per lattice cell (about 1.1 km)

DISTRICT_NAMES = ("澜江区", "望湖区", "青禾区", "云台区", "桂山区", "东陂区")
STREET_NAMES = ("湖滨街道", "桂园街道", "花溪街道", "新桥街道", "白沙街道", "长丰街道", "柳堤街道", "翠屏街道",
                "南浦街道", "金港街道", "梅岭街道", "石门街道", "双溪街道", "丰乐街道", "清水街道", "渔光街道",
                "枫林街道", "鹤鸣街道", "洪山街道", "杏坛街道")
COMMUNITY_STEMS = ("丹桂", "翠柳", "金桥", "玉泉", "紫荆", "银杏", "朝阳", "东风", "幸福", "和平", "友谊", "春晓",
                   "秋实", "明珠", "锦绣", "星光", "碧水", "青山", "枫丹", "松涛", "梧桐", "荷塘", "新华", "光明",
                   "红旗", "育才", "民主", "长青", "百合", "芙蓉")
COMPOUND_STEMS = ("桂园", "翠湖", "滨江", "锦华", "金色", "阳光", "蓝湾", "书香", "紫云", "雅苑", "丽都", "怡和",
                  "天悦", "御景", "清风", "泊林", "望江", "瑞丰", "康居", "华府", "悦澜", "澜庭", "南山", "西岸")
COMPOUND_SUFFIXES = ("小区", "花园", "家园", "新村", "名苑", "雅居", "佳园", "公寓", "城")
ROAD_STEMS = ("建设", "解放", "和平", "民主", "澜江", "望湖", "青禾", "云台", "新华", "光华", "长丰", "文昌",
              "兴业", "振兴", "友谊", "鹤鸣", "白沙", "翠屏", "学府", "工农", "幸福", "黄鹂", "沙湖", "紫阳")
ROAD_SUFFIXES = ("路", "路", "大道", "街", "北路", "南路")

# Handling departments: (code, name, short name). Codes are the suffix of generated usernames.
DEPARTMENTS = (
    ("cgj", "澜城市城市管理局", "城管"),
    ("zjj", "澜城市住房和城乡建设局", "住建"),
    ("sthjj", "澜城市生态环境局", "生态环境"),
    ("jtj", "澜城市交通运输局", "交通运输"),
    ("jjzd", "澜城市公安局交通管理支队", "公安交管"),
    ("scjgj", "澜城市市场监督管理局", "市场监管"),
    ("rsj", "澜城市人力资源和社会保障局", "人社"),
    ("jyj", "澜城市教育局", "教育"),
    ("wjw", "澜城市卫生健康委员会", "卫健"),
    ("gaj", "澜城市公安局", "公安"),
    ("mzj", "澜城市民政局", "民政"),
    ("wlj", "澜城市文化和旅游局", "文旅"),
    ("ylj", "澜城市园林和林业局", "园林"),
    ("nyncj", "澜城市农业农村局", "农业农村"),
    ("xfzd", "澜城市消防救援支队", "消防"),
    ("gxj", "澜城市经济和信息化局", "经信"),
    ("zsj", "澜城市政务服务和大数据管理局", "政数"),
)
UTILITIES = (
    ("swjt", "澜城水务集团", "水务"),
    ("gdgs", "澜城供电公司", "供电"),
    ("rqgs", "澜城燃气公司", "燃气"),
    ("rlgs", "澜城热力公司", "热力"),
)
CENTRE_UNIT = ("centre", "澜城市12345市民服务热线中心")


@dataclass
class GridInfo:
    """What the ticket generator needs to know about one grid, without touching the database again."""

    area: Area
    community: Area
    street: Area
    district: Area
    street_index: int
    triangles: np.ndarray  # (k, 3, 2) lon/lat triangles that tile the polygon
    weights: np.ndarray  # the triangles' areas, normalised
    compounds: tuple[str, ...]
    roads: tuple[str, ...]


@dataclass
class World:
    city: Area
    grids: list[GridInfo]
    streets: list[Area]
    street_units: list[Unit]  # aligned with `streets`
    community_units: dict[int, Unit]  # community area id → its unit
    units: dict[str, Unit]  # by code
    users: dict[str, Any]  # by username
    handlers: dict[int, list[Any]] = field(default_factory=dict)  # unit id → its handlers
    counts: dict[str, int] = field(default_factory=dict)

    def staff(self, prefix: str) -> list[Any]:
        return [user for name, user in sorted(self.users.items()) if name == prefix or name.startswith(f"{prefix}-")]


def grid_flavour(code: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The estates and roads of a grid, derived from its code alone so that a reloaded city names them alike."""
    rng = random.Random(f"grid:{code}")
    compounds = tuple(sorted({rng.choice(COMPOUND_STEMS) + rng.choice(COMPOUND_SUFFIXES) for _ in range(3)}))
    roads = tuple(sorted({rng.choice(ROAD_STEMS) + rng.choice(ROAD_SUFFIXES) for _ in range(2)}))
    return compounds, roads


def _split(items: list[Any], parts: int) -> list[list[Any]]:
    """Cut a sequence into `parts` consecutive runs of nearly equal length."""
    parts = max(1, min(parts, len(items)))
    size, extra = divmod(len(items), parts)
    runs, start = [], 0
    for index in range(parts):
        end = start + size + (index < extra)
        runs.append(items[start:end])
        start = end
    return runs


def _snake(cols: int, rows: int) -> list[tuple[int, int]]:
    """Cells in a boustrophedon walk through bands two columns wide: consecutive cells share an edge."""
    order: list[tuple[int, int]] = []
    for band in range(0, cols, 2):
        band_cols = [c for c in (band, band + 1) if c < cols]
        band_rows = range(rows) if (band // 2) % 2 == 0 else range(rows - 1, -1, -1)
        for step, row in enumerate(band_rows):
            order.extend((col, row) for col in (band_cols if step % 2 == 0 else band_cols[::-1]))
    return order


def _triangles(polygon: Polygon) -> tuple[np.ndarray, np.ndarray]:
    """A fan triangulation of a convex polygon (our cells are convex quadrilaterals)."""
    coords = np.asarray(polygon.exterior.coords)[:-1]
    tris = np.stack([np.stack([coords[0], coords[i], coords[i + 1]]) for i in range(1, len(coords) - 1)])
    ab, ac = tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0]
    areas = np.abs(ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0]) / 2
    return tris, areas / areas.sum()


def _geo(area: Area, geometry: Any) -> None:
    area.boundary = mapping(geometry)
    point = geometry.centroid if geometry.contains(geometry.centroid) else geometry.representative_point()
    area.longitude, area.latitude = round(point.x, 6), round(point.y, 6)
    # GeoJSON wants lists, and JSON round trips tuples to lists anyway: store what we will read back.
    area.boundary = {"type": area.boundary["type"], "coordinates": _listify(area.boundary["coordinates"])}


def _listify(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_listify(v) for v in value]
    return round(float(value), 6)


def _lattice(rng: np.random.Generator, n_grids: int) -> list[Polygon]:
    """Grid cells: a lattice with shared, jittered vertices, so that neighbours tile without gaps or overlaps."""
    cols = max(1, math.ceil(math.sqrt(n_grids * 1.4)))
    rows = max(1, math.ceil(n_grids / cols))
    x0, y0 = CENTRE[0] - cols * CELL[0] / 2, CENTRE[1] - rows * CELL[1] / 2
    vx = x0 + np.arange(cols + 1)[:, None] * CELL[0] + np.zeros((1, rows + 1))
    vy = y0 + np.arange(rows + 1)[None, :] * CELL[1] + np.zeros((cols + 1, 1))
    jitter = rng.uniform(-0.22, 0.22, size=(2, cols + 1, rows + 1))
    jitter[:, [0, -1], :] = 0  # a straight outer edge
    jitter[:, :, [0, -1]] = 0
    vx, vy = vx + jitter[0] * CELL[0], vy + jitter[1] * CELL[1]

    def cell(col: int, row: int) -> Polygon:
        corners = [(col, row), (col + 1, row), (col + 1, row + 1), (col, row + 1)]
        return Polygon([(float(vx[c, r]), float(vy[c, r])) for c, r in corners])

    return [cell(col, row) for col, row in _snake(cols, rows)[:n_grids]]


def build_city(seed: int, n_grids: int = 200) -> World:
    """Create the area tree, units, staff and memberships of a new demo city."""
    rng = np.random.default_rng(seed)
    n_grids = max(1, n_grids)
    n_communities = max(1, n_grids // 4)
    n_streets = max(1, round(n_communities / 4.2))
    n_districts = max(1, min(len(DISTRICT_NAMES), n_streets // 3))

    cells = _lattice(rng, n_grids)

    city = Area(kind=AreaKind.CITY, code=CITY_CODE, name=CITY_NAME)
    _geo(city, shapely.union_all(cells))
    city.save()
    grids: list[GridInfo] = []
    streets: list[Area] = []
    comm_no = 0
    district_runs = _split(_split(_split(list(range(n_grids)), n_communities), n_streets), n_districts)
    buildings: list[Area] = []
    for d, street_runs in enumerate(district_runs):
        district = Area(kind=AreaKind.DISTRICT, code=f"{CITY_CODE}{d + 1:02d}", name=DISTRICT_NAMES[d], parent=city)
        _geo(district, shapely.union_all([cells[i] for run in street_runs for comm in run for i in comm]))
        district.save()
        for community_runs in street_runs:
            s = len(streets)
            street = Area(kind=AreaKind.STREET, code=f"{district.code}{len(streets) + 1:02d}",
                          name=STREET_NAMES[s % len(STREET_NAMES)] + ("" if s < len(STREET_NAMES) else str(s)),
                          parent=district)
            _geo(street, shapely.union_all([cells[i] for comm in community_runs for i in comm]))
            street.save()
            streets.append(street)
            for cells_of_community in community_runs:
                comm_no += 1
                stem = COMMUNITY_STEMS[(comm_no - 1) % len(COMMUNITY_STEMS)]
                direction = ("", "东", "西", "南", "北", "新")[((comm_no - 1) // len(COMMUNITY_STEMS)) % 6]
                community = Area(kind=AreaKind.COMMUNITY, code=f"{street.code}{comm_no:03d}",
                                 name=f"{stem}{direction}社区", parent=street)
                _geo(community, shapely.union_all([cells[i] for i in cells_of_community]))
                community.save()
                for k, i in enumerate(cells_of_community, start=1):
                    grid = Area(kind=AreaKind.GRID, code=f"{community.code}{k:02d}",
                                name=f"{community.name}第{k}网格", parent=community)
                    _geo(grid, cells[i])
                    grid.save()
                    compounds, roads = grid_flavour(grid.code)
                    tris, weights = _triangles(shape(grid.boundary))  # the stored, rounded polygon
                    grids.append(GridInfo(grid, community, street, district, s, tris, weights, compounds, roads))
                    for b, compound in enumerate(compounds[:2], start=1):
                        lon, lat = sample_points(grids[-1], 1, rng)[0]
                        buildings.append(Area(kind=AreaKind.BUILDING, code=f"{grid.code}B{b}",
                                              name=f"{compound}{int(rng.integers(1, 20))}栋", parent=grid,
                                              longitude=round(lon, 6), latitude=round(lat, 6)))
    Area.objects.bulk_create(buildings, batch_size=500)
    Area.rebuild_paths()  # the buildings' paths; the other areas got theirs from save()
    reset_grid_index()
    world = _build_units_and_staff(city, grids, streets)
    world.counts.update({"districts": len(district_runs), "streets": len(streets),
                         "communities": len({g.community.pk for g in grids}), "grids": len(grids),
                         "buildings": len(buildings)})
    return world


def sample_points(grid: GridInfo, n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` random (lon, lat) points inside the grid polygon, kept a few metres off its edges.

    Drawn uniformly over a fan of triangles, then pulled 3 % towards the centroid: stored coordinates are
    rounded to 1e-6 degrees, and a point on an edge could otherwise round into the neighbouring grid.
    """
    which = rng.choice(len(grid.weights), size=n, p=grid.weights)
    u, v = rng.random(n), rng.random(n)
    flip = u + v > 1
    u[flip], v[flip] = 1 - u[flip], 1 - v[flip]
    tri = grid.triangles[which]
    points = tri[:, 0] + u[:, None] * (tri[:, 1] - tri[:, 0]) + v[:, None] * (tri[:, 2] - tri[:, 0])
    centre = np.array([grid.area.longitude, grid.area.latitude])
    return centre + (points - centre) * 0.97


def _build_units_and_staff(city: Area, grids: list[GridInfo], streets: list[Area]) -> World:
    units: dict[str, Unit] = {}
    centre = Unit(kind=UnitKind.CENTRE, code=CENTRE_UNIT[0], name=CENTRE_UNIT[1], area=city, phone="12345")
    centre.save()
    units[centre.code] = centre
    for code, name, _short in DEPARTMENTS:
        units[code] = Unit(kind=UnitKind.DEPARTMENT, code=code, name=name, area=city)
    for code, name, _short in UTILITIES:
        units[code] = Unit(kind=UnitKind.UTILITY, code=code, name=name, area=city)
    street_units = []
    for s, street in enumerate(streets, start=1):
        unit = Unit(kind=UnitKind.STREET_OFFICE, code=f"jd{s:02d}", name=f"{street.name}办事处", area=street)
        units[unit.code] = unit
        street_units.append(unit)
    Unit.objects.bulk_create([u for u in units.values() if u.pk is None])
    units = {u.code: u for u in Unit.objects.all()}
    street_units = [units[u.code] for u in street_units]
    community_units: dict[int, Unit] = {}
    communities = {g.community.pk: (g.community, g.street_index) for g in grids}
    new = []
    for n, (community, s) in enumerate(communities.values(), start=1):
        new.append(Unit(kind=UnitKind.COMMUNITY, code=f"jd{s + 1:02d}-sq{n:03d}",
                        name=f"{community.name}居民委员会", area=community, parent=street_units[s]))
    Unit.objects.bulk_create(new)
    Unit.rebuild_paths()
    units = {u.code: u for u in Unit.objects.all()}
    for unit in units.values():
        if unit.kind == UnitKind.COMMUNITY:
            community_units[unit.area_id] = unit
    street_units = [units[u.code] for u in street_units]
    world = World(city=city, grids=grids, streets=streets, street_units=street_units,
                  community_units=community_units, units=units, users={})
    _build_staff(world)
    return world


def _staff_plan(world: World) -> list[tuple[str, str, str, Unit, Area]]:
    """(username, full name, role, unit, scope) of every demo account with a role."""
    city, units = world.city, world.units
    centre = units[CENTRE_UNIT[0]]
    first_grid = world.grids[0]
    first_community_unit = world.community_units[first_grid.community.pk]
    plan: list[tuple[str, str, str, Unit, Area]] = [
        ("admin", "系统管理员", Role.ADMIN, centre, city),
        ("operator", "话务员小周", Role.OPERATOR, centre, city),
        ("dispatcher", "派单员老陈", Role.DISPATCHER, centre, city),
        ("supervisor", "督办科李科长", Role.SUPERVISOR, centre, city),
        ("analyst", "研判分析员", Role.ANALYST, centre, city),
        ("deputy", "人大代表张代表", Role.DEPUTY, centre, first_grid.district),
        ("handler", "城管局承办人", Role.HANDLER, units["cgj"], city),
        ("street", f"{world.street_units[0].name}承办人", Role.HANDLER, world.street_units[0],
         world.streets[0]),
        ("grid", f"{first_grid.area.name}网格员", Role.GRID_WORKER, first_community_unit, first_grid.area),
        ("community", f"{first_grid.community.name}社工", Role.COMMUNITY_WORKER, first_community_unit,
         first_grid.community),
    ]
    plan += [(f"operator-{n}", f"话务员{n}号", Role.OPERATOR, centre, city) for n in range(2, 9)]
    plan += [(f"dispatcher-{n}", f"派单员{n}号", Role.DISPATCHER, centre, city) for n in range(2, 4)]
    plan += [(f"supervisor-{n}", f"督办员{n}号", Role.SUPERVISOR, centre, city) for n in range(2, 4)]
    for unit in units.values():
        if unit.kind in {UnitKind.DEPARTMENT, UnitKind.UTILITY, UnitKind.STREET_OFFICE}:
            for n in ("", "-2"):
                plan.append((f"handler-{unit.code}{n}", f"{unit.name}承办人", Role.HANDLER, unit, unit.area))
        elif unit.kind == UnitKind.COMMUNITY:
            plan.append((f"community-{unit.code}", f"{unit.area.name}社工", Role.COMMUNITY_WORKER, unit, unit.area))
            plan.append((f"grid-{unit.code}", f"{unit.area.name}网格员", Role.GRID_WORKER, unit, unit.area))
    for district in {g.district.pk: g.district for g in world.grids}.values():
        plan.append((f"deputy-{district.code.lower()}", f"{district.name}人大代表", Role.DEPUTY, centre, district))
    return plan


def _build_staff(world: World) -> None:
    user_model = get_user_model()
    # One hash for every account: hashing 600 passwords with Argon2 would take longer than the whole city.
    password = make_password(DEMO_PASSWORD)
    plan = _staff_plan(world)
    names = {username for username, *_ in plan} | {"citizen"}
    existing = set(user_model.objects.filter(username__in=names).values_list("username", flat=True))
    new_users = []
    for username in sorted(names - existing):
        full_name = next((full for u, full, *_ in plan if u == username), "市民演示账号")
        new_users.append(user_model(username=username, first_name=full_name, password=password,
                                    is_staff=username == "admin", is_superuser=username == "admin",
                                    email=f"{username}@demo.cityloop.invalid"))
    user_model.objects.bulk_create(new_users)
    users = {u.username: u for u in user_model.objects.filter(username__in=names)}
    Membership.objects.bulk_create(
        [Membership(user=users[username], unit=unit, role=role, scope=scope)
         for username, _full, role, unit, scope in plan],
        ignore_conflicts=True)
    world.users = users
    world.handlers = {}
    for username, _full, role, unit, _scope in plan:
        if role == Role.HANDLER:
            world.handlers.setdefault(unit.pk, []).append(users[username])
    world.counts["units"] = len(world.units)
    world.counts["users"] = len(users)
    world.counts["memberships"] = len(plan)


def load_city() -> World | None:
    """The demo city already in the database (for `simulate --append`), or None when there is none."""
    city = Area.objects.filter(code=CITY_CODE, parent__isnull=True).first()
    if city is None:
        return None
    areas = {a.pk: a for a in Area.objects.exclude(kind__in=[AreaKind.BUILDING, AreaKind.UNIT])}
    streets = sorted((a for a in areas.values() if a.kind == AreaKind.STREET), key=lambda a: a.code)
    street_pos = {s.pk: i for i, s in enumerate(streets)}
    grids = []
    for area in sorted((a for a in areas.values() if a.kind == AreaKind.GRID), key=lambda a: a.code):
        community = areas[area.parent_id]  # type: ignore[index]
        street = areas[community.parent_id]  # type: ignore[index]
        polygon = shape(area.boundary)
        tris, weights = _triangles(polygon)
        compounds, roads = grid_flavour(area.code)
        grids.append(GridInfo(area, community, street, areas[street.parent_id],  # type: ignore[index]
                              street_pos[street.pk], tris, weights, compounds, roads))
    units = {u.code: u for u in Unit.objects.all()}
    street_units = [units[f"jd{i + 1:02d}"] for i in range(len(streets))]
    community_units = {u.area_id: u for u in units.values() if u.kind == UnitKind.COMMUNITY}
    world = World(city=city, grids=grids, streets=streets, street_units=street_units,
                  community_units=community_units, units=units, users={})
    _build_staff(world)  # idempotent: only missing accounts and memberships are added
    return world
