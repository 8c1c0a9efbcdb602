"""Duplicate candidates (重复诉求): the same problem at the same place, still open.

Candidates come from the H3 cells around the point (radius per category family), the last `DAYS` days, open,
and the same first-level category when both are classified; they are ranked by text similarity of character
unigrams and bigrams weighted by how rare each is among the candidates — words every nearby ticket shares ("小区",
"反映") say little, the specific ones ("井盖", "3栋") say much.
"""

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass

import h3

from cityloop.core import clock
from cityloop.intelligence.classification.text import normalise
from cityloop.tickets.choices import OPEN_STATUSES
from cityloop.tickets.models import CELL_RESOLUTION, Category, Ticket

DAYS = 30
DEFAULT_RADIUS_M = 300
# Some problems are reported from far around (environment: a smell, noise at night); most sit at one spot.
# Keyed by the first-level category code.
RADIUS_BY_FAMILY_M = {"02": 1000}
CENTRE_SPACING_M = h3.average_hexagon_edge_length(CELL_RESOLUTION, "m") * math.sqrt(3)
# A merge is proposed only for the best candidate, of the same category, with at least this similarity and this
# lead over the runner-up (tuned on benchmarks/duplicates: a place said the same way makes another problem at
# the same spot look alike; the lead and the category keep it from being proposed). Others are only shown.
MERGE_THRESHOLD = 0.2
MERGE_MARGIN = 0.05
PUNCTUATION = re.compile(r"[\s，。、！？；：,.!?;:“”\"'（）()【】\[\]\-—…]+")


@dataclass(frozen=True)
class Candidate:
    ticket_id: int
    number: str
    title: str
    score: float
    suggest_merge: bool


def grams(text: str) -> Counter[str]:
    """Character unigrams and bigrams: Chinese paraphrases share characters more than words."""
    text = PUNCTUATION.sub("", normalise(text))
    return Counter([*text, *(text[i:i + 2] for i in range(len(text) - 1))])


def similarity(a: Counter[str], b: Counter[str], idf: dict[str, float]) -> float:
    """Cosine of the two texts' gram counts weighted by rarity."""
    dot = sum(count * b[gram] * idf[gram] ** 2 for gram, count in a.items() if gram in b)
    norm_a = math.sqrt(sum((count * idf[gram]) ** 2 for gram, count in a.items()))
    norm_b = math.sqrt(sum((count * idf[gram]) ** 2 for gram, count in b.items()))
    return dot / (norm_a * norm_b) if norm_a and norm_b else 0.0


def duplicate_candidates(*, title: str, description: str, latitude: float | None, longitude: float | None,
                         category: Category | None = None, exclude_id: int | None = None,
                         limit: int = 5) -> list[Candidate]:
    """Open tickets that may be the same demand, best first."""
    if latitude is None or longitude is None:
        return []
    radius = RADIUS_BY_FAMILY_M.get(category.code[:2], DEFAULT_RADIUS_M) if category else DEFAULT_RADIUS_M
    origin = h3.latlng_to_cell(latitude, longitude, CELL_RESOLUTION)
    cells = [int(h3.str_to_int(c)) for c in h3.grid_disk(origin, max(1, math.ceil(radius / CENTRE_SPACING_M)))]
    nearby = Ticket.objects.filter(cell__in=cells, status__in=OPEN_STATUSES,
                                   created_at__gte=clock.now() - dt.timedelta(days=DAYS))
    if category is not None:
        nearby = nearby.filter(category__path__startswith=category.path.split("/", 1)[0] + "/")
    if exclude_id is not None:
        nearby = nearby.exclude(pk=exclude_id)
    rows = list(nearby.values_list("pk", "number", "title", "description", "latitude", "longitude",
                                   "category_id")[:500])
    query = grams(f"{title} {description[:120]}")
    bags = [grams(f"{row[2]} {row[3][:120]}") for row in rows]
    # Rarity among the neighbours (and the new text): the local vocabulary of the place weighs little.
    documents = len(bags) + 1
    frequency = Counter(gram for bag in [*bags, query] for gram in set(bag))
    idf = {gram: math.log(1 + documents / count) for gram, count in frequency.items()}
    scored = []
    for row, bag in zip(rows, bags, strict=True):
        if _metres(latitude, longitude, row[4], row[5]) > radius:
            continue
        scored.append((similarity(query, bag, idf), row))
    scored.sort(key=lambda pair: -pair[0])
    candidates = []
    for rank, (score, row) in enumerate(scored[:limit]):
        lead = score - scored[rank + 1][0] if rank + 1 < len(scored) else score
        merge = (rank == 0 and score >= MERGE_THRESHOLD and lead >= MERGE_MARGIN
                 and (category is None or row[6] == category.pk))
        candidates.append(Candidate(row[0], row[1] or "", row[2], round(score, 3), merge))
    return candidates


def _metres(lat1: float, lon1: float, lat2: float | None, lon2: float | None) -> float:
    if lat2 is None or lon2 is None:
        return math.inf
    # Equirectangular distance: exact enough within a city.
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6_371_000 * math.hypot(x, math.radians(lat2 - lat1))
