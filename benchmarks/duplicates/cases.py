"""Generated duplicates with hard negatives for the duplicates benchmark, one set per seed.

For each of `cases` estates (random points in a 44 × 38 km city): the original ticket (one paraphrase of a problem
from phrases.py, at the estate, within 50 m), a hard negative at the same place with another problem (half of
them of the same category family), and a hard negative with the same problem 2–4 km away; `negatives` more
estates hold only another problem; `background` open tickets lie anywhere. Each query is another paraphrase of
its estate's problem, with the place said another way, within 50 m of the estate. Descriptions add 0–3 phrases
callers use whatever the problem ("居民意见很大").
"""

import datetime as dt
import math
import random
from dataclasses import dataclass

from phrases import FILLER, PROBLEMS, place

CENTRE = (30.6, 114.3)
SPREAD = 0.2  # degrees either side


@dataclass(frozen=True)
class Spec:
    """One open ticket to store."""

    code: str  # category code
    title: str
    description: str
    latitude: float
    longitude: float
    age: dt.timedelta


@dataclass(frozen=True)
class Query:
    code: str
    title: str
    description: str
    latitude: float
    longitude: float
    original: int | None  # index of its duplicate among the specs, None for a query without one


def offset(lat: float, lon: float, metres: float, rng: random.Random) -> tuple[float, float]:
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = metres * math.cos(bearing) / 111_320
    dlon = metres * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


def random_point(rng: random.Random) -> tuple[float, float]:
    return CENTRE[0] + rng.uniform(-SPREAD, SPREAD), CENTRE[1] + rng.uniform(-SPREAD, SPREAD)


def generate(seed: int, cases: int, negatives: int, background: int) -> tuple[list[Spec], list[Query]]:
    rng = random.Random(seed)
    # Estate numbers differ per seed, so that two sets do not share their places either.
    first_estate = rng.randrange(0, 100_000, 1000)
    specs: list[Spec] = []
    queries: list[Query] = []

    def spec(problem: int, phrase: int, text_place: str, lat: float, lon: float) -> Spec:
        code, phrases = PROBLEMS[problem]
        words = phrases[phrase % len(phrases)]
        return Spec(code, f"{text_place}{words}"[:60], description(text_place, words), lat, lon,
                    dt.timedelta(hours=rng.uniform(1, 240)))

    def description(text_place: str, words: str) -> str:
        """The problem with some of what callers add to any problem, in any order."""
        parts = [f"{text_place}{words}，", *rng.sample(FILLER, rng.randrange(4))]
        rng.shuffle(parts)
        return "".join(parts)

    for case in range(cases + negatives):
        estate = first_estate + case
        lat, lon = random_point(rng)
        problem = rng.randrange(len(PROBLEMS))
        phrase = rng.randrange(4)
        family = PROBLEMS[problem][0][:2]
        same_family = [i for i, (code, _) in enumerate(PROBLEMS) if code[:2] == family and i != problem]
        others = [i for i in range(len(PROBLEMS)) if i != problem]
        other = rng.choice(same_family) if same_family and rng.random() < 0.5 else rng.choice(others)
        specs.append(spec(other, rng.randrange(4), place(rng, estate), *offset(lat, lon, rng.uniform(0, 50), rng)))
        original = None
        if case < cases:
            original = len(specs)
            specs.append(spec(problem, phrase, place(rng, estate), *offset(lat, lon, rng.uniform(0, 50), rng)))
            specs.append(spec(problem, phrase, place(rng, estate + 500),
                              *offset(lat, lon, rng.uniform(2000, 4000), rng)))
        code, phrases = PROBLEMS[problem]
        words = phrases[(phrase + rng.randrange(1, 4)) % 4]
        text_place = place(rng, estate)
        queries.append(Query(code, f"{text_place}{words}"[:60], description(text_place, words),
                             *offset(lat, lon, rng.uniform(0, 50), rng), original))
    for _ in range(background):
        specs.append(spec(rng.randrange(len(PROBLEMS)), rng.randrange(4), place(rng, rng.randrange(10**6)),
                          *random_point(rng)))
    return specs, queries
