"""Duplicate candidates (重复诉求): the same matter at the same place, still open.

Lookup. Open tickets of the same category family (or not yet classified) created in the last DAYS days within the
family's radius: the H3 cells that reach the circle (the (category, cell, created_at) index, so that only the
family's rows there are read), a bounding box, the exact distance; at most MAX_ROWS of them, the newest first, so
that a lookup costs about the same with a thousand open tickets around or a million. The texts of all of them are
compared with the query's at once, in arrays (`grams`): in the densest places a lookup scores MAX_ROWS of them.

Ranking. A logistic model turns a few signals (`FEATURES`) into the probability that a candidate is the same
matter: how alike the two texts are once their place words are taken out (cosine of character unigrams and
bigrams, each weighted by how rare it is among recent tickets, so that "小区" or "居民意见很大" count for little
and "井盖" for much; the place said the same way would make another problem at the same spot look alike), whether
place marks both texts state disagree (3栋 and 5栋, 幸福小区 and 阳光小区: another spot), and whether both have
the same category. Distance and age are limits, not signals: within the radius and the DAYS, generated duplicates
and their hard negatives lie alike. The weights and `MERGE_THRESHOLD` are fitted on calibration sets of generated
duplicates and hard negatives (benchmarks/duplicates, other seeds than its evaluation set); a merge is proposed for
the best candidate when its probability clears the threshold.
"""

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import h3
import numpy as np
import numpy.typing as npt
from django.db import connection
from django.db.models import Max
from django.db.models.functions import Substr

from cityloop.core import clock
from cityloop.core.refreshing import Refreshing
from cityloop.core.trees import subtree_q
from cityloop.tickets.choices import OPEN_STATUSES
from cityloop.tickets.models import CELL_RESOLUTION, Category, Ticket

DAYS = 30
DEFAULT_RADIUS_M = 300
# Some problems are reported from far around (environment: a smell, noise at night); most sit at one spot.
# Keyed by the first-level category code.
RADIUS_BY_FAMILY_M = {"02": 1000}
# Neighbours scored per lookup, the newest first: bounds the time in the densest places.
MAX_ROWS = 200
TEXT_CHARS = 120  # of the description: the matter is stated at the start
SAMPLE = 2000  # the newest tickets whose texts tell how common each gram is

FEATURES = ("matter", "place_conflict", "same_category")
# Logistic weights (intercept first, then FEATURES) and the merge threshold, as
# `benchmarks/duplicates/bench_duplicates.py` fits them on its calibration sets: the threshold is the lowest
# probability at which the merges proposed in each calibration set reach 0.95 precision with 95 % confidence.
WEIGHTS = (-9.37, 22.85, -22.42, 9.47)
MERGE_THRESHOLD = 0.737

_HAN = r"[\u4e00-\u9fff]"
# Named estates and buildings: two characters before the kind ("幸福小区", "滨江苑").
ESTATE = re.compile(rf"{_HAN}{{2}}(?:小区|花园|家园|新村|公寓|大厦|广场|苑)")
# Numbered places, by kind: building, entrance, house number ("5月12号" is a date, not a house).
NUMBERED = re.compile(r"(\d+)\s*(号楼|栋|幢|座|单元|(?<!月\d)(?<!月\d\d)号)")
KIND_OF = {"号楼": "building", "栋": "building", "幢": "building", "座": "building", "单元": "entrance",
           "号": "number"}
# Spaces (with the no-break and ideographic ones) and punctuation: nothing a matter is told apart by.
PUNCTUATION = re.compile(r"[\s\xa0\u3000，。、！？；：,.!?;:“”\"'（）()【】\[\]\-—…]+")


@dataclass(frozen=True)
class Candidate:
    ticket_id: int
    number: str
    title: str
    score: float  # the probability that the candidate is the same matter
    suggest_merge: bool
    features: tuple[float, ...] = ()  # in FEATURES order


@dataclass(frozen=True)
class Text:
    """What the comparison needs of one ticket's text."""

    matter: str  # the text without punctuation and place words: its characters and character pairs are compared
    marks: frozenset[tuple[str, str]]  # (kind, value): ("estate", "幸福小区"), ("building", "3")

    @classmethod
    def of(cls, title: str, description: str) -> "Text":
        text = PUNCTUATION.sub("", f"{title}{description[:TEXT_CHARS]}")
        marks = {("estate", name) for name in ESTATE.findall(text)}
        marks |= {(KIND_OF[kind], number.lstrip("0") or "0") for number, kind in NUMBERED.findall(text)}
        return cls(NUMBERED.sub("", ESTATE.sub("", text)), frozenset(marks))


def grams(texts: Sequence[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The distinct grams of each text as (the text's index, the gram's code), ordered by text then code.

    Grams are the characters (code: the code point) and the pairs of adjacent characters (code: (first + 1) << 21
    | second, above every code point): Chinese paraphrases share characters more than longer runs ("井盖坏了",
    "井盖破损"). Codes rather than strings, so that the texts of a whole lookup are compared in a few array
    operations: a set of strings per text took most of a lookup's time in dense places."""
    chars = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
    owner = np.repeat(np.arange(len(texts), dtype=np.int64), [len(text) for text in texts])
    within = owner[1:] == owner[:-1]  # pairs that do not straddle two texts
    # One key per gram: the text's index above its code (below 2 ** 42). Sorted, a gram a text says twice lies
    # side by side with itself and is kept once.
    keys = np.concatenate([owner << 42 | chars, (owner[1:] << 42 | (chars[:-1] + 1) << 21 | chars[1:])[within]])
    keys.sort()
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    return keys[first] >> 42, keys[first] & ((1 << 42) - 1)


@dataclass(frozen=True)
class Rarity:
    """The squared inverse document frequency of each gram among the newest tickets: log((n + 1) / (df + 1)), so
    that what every one of them says ("居民意见很大", "请尽快处理") weighs nothing; a gram none of them has is as
    rare as can be."""

    codes: npt.NDArray[np.int64]  # the grams the sampled tickets have, sorted
    squared: npt.NDArray[np.float64]  # their squared weights
    unseen: float

    @classmethod
    def build(cls) -> "Rarity":
        return cls.of([Text.of(title, head).matter
                       for title, head in Ticket.objects.order_by("-pk").values_list("title", _head())[:SAMPLE]])

    @classmethod
    def of(cls, texts: Sequence[str]) -> "Rarity":
        codes, documents = np.unique(grams(texts)[1], return_counts=True)
        return cls(codes, np.log((len(texts) + 1) / (documents + 1)) ** 2, math.log(len(texts) + 1) ** 2)

    def squared_of(self, codes: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """The squared weight of each of `codes`."""
        if not len(self.codes):
            return np.full(len(codes), self.unseen)
        at = np.minimum(np.searchsorted(self.codes, codes), len(self.codes) - 1)
        return np.where(self.codes[at] == codes, self.squared[at], self.unseen)

    def cosines(self, query: str, others: Sequence[str]) -> npt.NDArray[np.float64]:
        """The weighted cosine of the grams of `query` with those of each of `others` (0 when either has none)."""
        owner, codes = grams([query, *others])
        mine = codes[:np.searchsorted(owner, 1)]  # the query's grams, sorted
        if not len(mine):
            return np.zeros(len(others))
        weight = self.squared_of(codes)
        shared = np.where(mine[np.minimum(np.searchsorted(mine, codes), len(mine) - 1)] == codes, weight, 0.0)
        norms = np.sqrt(np.bincount(owner, weight, minlength=len(others) + 1))
        common = np.bincount(owner, shared, minlength=len(others) + 1)[1:]
        denominator = norms[0] * norms[1:]
        return np.divide(common, denominator, out=np.zeros(len(others)), where=denominator > 0)


def _rarity_signature() -> int | None:
    # Rebuilt after every 1,000 new tickets (checked every few minutes): how common a gram is changes slowly.
    newest = Ticket.objects.aggregate(newest=Max("pk"))["newest"]
    return None if newest is None else newest // 1000


_rarity = Refreshing(Rarity.build, _rarity_signature, ttl=300)


def reset_rarity() -> None:
    _rarity.reset()


def place_conflict(a: frozenset[tuple[str, str]], b: frozenset[tuple[str, str]]) -> bool:
    """Both texts name a place of one kind and no name agrees: another spot."""
    for kind in {k for k, _ in a} & {k for k, _ in b}:
        if not {v for k, v in a if k == kind} & {v for k, v in b if k == kind}:
            return True
    return False


def pair_features(query: Text, others: Sequence[Text], same_category: Sequence[bool],
                  rarity: Rarity) -> list[tuple[float, ...]]:
    """The FEATURES of each candidate for the query."""
    matter = rarity.cosines(query.matter, [other.matter for other in others]).tolist()
    return [(cosine, float(place_conflict(query.marks, other.marks)), float(same))
            for cosine, other, same in zip(matter, others, same_category, strict=True)]


def probability(features: tuple[float, ...], weights: tuple[float, ...] = WEIGHTS) -> float:
    z = weights[0] + sum(w * x for w, x in zip(weights[1:], features, strict=True))
    return 1 / (1 + math.exp(-z))


# ------------------------------------------------------------------------------------------------------ lookup
# A hexagon's circumradius is its edge length; edges at resolution 9 vary around the average with the place on
# the globe, so the bounds below take a generous margin either way.
EDGE_M = h3.average_hexagon_edge_length(CELL_RESOLUTION, "m")


def cells_within(latitude: float, longitude: float, radius: float) -> list[int]:
    """The cells whose hexagon comes within `radius` metres of the point: the only ones that can hold a ticket
    that near. Ring k of the disk around the point's cell lies 1.5 k edges from its centre, less two
    circumradii from the point: rings beyond (radius + 2 edges) / 1.5 edges are out of reach."""
    origin = h3.latlng_to_cell(latitude, longitude, CELL_RESOLUTION)
    rings = math.floor((radius + 2 * 1.3 * EDGE_M) / (1.5 * 0.75 * EDGE_M))
    cells = [origin]
    for cell in h3.grid_disk(origin, rings):
        if cell != origin and metres(latitude, longitude, *h3.cell_to_latlng(cell)) <= radius + 1.3 * EDGE_M \
                and _metres_to_hexagon(latitude, longitude, cell) <= radius:
            cells.append(cell)
    return [int(h3.str_to_int(cell)) for cell in cells]


def _metres_to_hexagon(latitude: float, longitude: float, cell: str) -> float:
    """How far the point is from the edge of a cell that does not hold it (on the city's local plane)."""
    scale = math.radians(1) * 6_371_000
    corners = [((lon - longitude) * scale * math.cos(math.radians(latitude)), (lat - latitude) * scale)
               for lat, lon in h3.cell_to_boundary(cell)]
    return min(_to_segment(a, b) for a, b in zip(corners, corners[1:] + corners[:1], strict=True))


def _to_segment(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The distance from the origin to the segment a–b."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    t = max(0.0, min(1.0, -(a[0] * dx + a[1] * dy) / (dx * dx + dy * dy)))
    return math.hypot(a[0] + t * dx, a[1] + t * dy)


def radius_for(category: Category | None) -> int:
    return RADIUS_BY_FAMILY_M.get(category.code[:2], DEFAULT_RADIUS_M) if category else DEFAULT_RADIUS_M


def _head() -> Substr:
    return Substr("description", 1, TEXT_CHARS)  # not the whole text across the wire


_OPEN = [str(status) for status in OPEN_STATUSES]  # the values, for the driver


def neighbours(*, latitude: float, longitude: float, category: Category | None, radius: float,
               exclude_id: int | None = None) -> tuple[str, list[Any]]:
    """The query, with its parameters, of the open, recent tickets of the category's family (of any category
    without one) or not yet classified, in the cells and the bounding box of the circle, the newest MAX_ROWS
    first: (id, number, title, head of the description, latitude, longitude, category id, created at).

    The family as a list of ids, and the unclassified tickets as a second part of a union: each part is then
    read category by category from the (category, cell, created_at) index on both databases, with or without
    table statistics (with a subquery SQLite may take another index; with IS NULL or'ed in, PostgreSQL scans
    the table or every unclassified ticket). Written out rather than built with the ORM, which compiles the
    union anew on every lookup: a quarter of its time."""
    family = Category.objects.all()
    if category is not None:
        family = family.filter(subtree_q("path", category.path.split("/", 1)[0] + "/"))
    ids: list[int | None] = [*family.values_list("pk", flat=True)] or [None]  # IN (NULL): none
    cells = cells_within(latitude, longitude, radius)
    dlat = radius / 111_320
    dlon = radius / (111_320 * max(math.cos(math.radians(latitude)), 0.01))
    near = (f"cell IN ({', '.join(['%s'] * len(cells))}) AND created_at >= %s"
            f" AND status IN ({', '.join(['%s'] * len(_OPEN))})"
            " AND latitude BETWEEN %s AND %s AND longitude BETWEEN %s AND %s AND id <> %s")
    params = [*cells, connection.ops.adapt_datetimefield_value(clock.now() - dt.timedelta(days=DAYS)), *_OPEN,
              latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon,
              exclude_id or 0]  # ids start at 1: 0 excludes none
    select = ("SELECT id, number, title, SUBSTR(description, 1, %s), latitude, longitude, category_id, created_at"  # noqa: S608
              f" FROM {Ticket._meta.db_table}")  # the table's name and placeholders: no outside text
    return (f"{select} WHERE category_id IN ({', '.join(['%s'] * len(ids))}) AND {near}"
            f" UNION ALL {select} WHERE category_id IS NULL AND {near} ORDER BY created_at DESC LIMIT %s",
            [TEXT_CHARS, *ids, *params, TEXT_CHARS, *params, MAX_ROWS])


def duplicate_candidates(*, title: str, description: str, latitude: float | None, longitude: float | None,
                         category: Category | None = None, exclude_id: int | None = None,
                         limit: int = 5) -> list[Candidate]:
    """Open tickets that may be the same demand, best first."""
    if latitude is None or longitude is None:
        return []
    radius = radius_for(category)
    with connection.cursor() as cursor:
        cursor.execute(*neighbours(latitude=latitude, longitude=longitude, category=category, radius=radius,
                                   exclude_id=exclude_id))
        rows = [row for row in cursor.fetchall() if metres(latitude, longitude, row[4], row[5]) <= radius]
    if not rows:
        return []
    category_id = category.pk if category is not None else None
    features = pair_features(Text.of(title, description), [Text.of(row[2], row[3]) for row in rows],
                             [category_id is not None and row[6] == category_id for row in rows], _rarity.get())
    scored = [(probability(f), f, row) for f, row in zip(features, rows, strict=True)]
    scored.sort(key=lambda t: -t[0])
    return [Candidate(row[0], row[1] or "", row[2], round(score, 3), rank == 0 and score >= MERGE_THRESHOLD,
                      features) for rank, (score, features, row) in enumerate(scored[:limit])]


def metres(lat1: float, lon1: float, lat2: float | None, lon2: float | None) -> float:
    if lat2 is None or lon2 is None:
        return math.inf
    # Equirectangular distance: exact enough within a city.
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6_371_000 * math.hypot(x, math.radians(lat2 - lat1))
