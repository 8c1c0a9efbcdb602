"""Duplicate candidates: quality on generated paraphrased duplicates with hard negatives, and lookup time with one
million open tickets on SQLite and PostgreSQL.

Quality (cases.py: an original, a hard negative at the same place with another problem, a hard negative with the
same problem 2–4 km away, background tickets, queries without a duplicate). The merge model's weights and
threshold are fitted on a calibration set generated with other seeds (CALIBRATION_SEEDS: other places, other
draws) and printed next to the ones duplicates.py ships; the shipped ones are then measured on the evaluation set
(EVALUATION_SEED), which never took part in fitting anything. recall@5: the original among the five candidates;
merge precision: of the merges proposed, the share that name the query's original; merge recall: duplicate
queries whose original is proposed. Targets (issue 4): recall@5 ≥ 0.95 and merge precision ≥ 0.95.

Speed. TICKETS open tickets (created in the last 30 days, random points in the same city, texts from the phrase
bank, cells filled) are written with executemany on SQLite (the raw driver, ids reserved first) and COPY on
PostgreSQL, then ANALYZEd; `duplicate_candidates` is timed per new ticket at random points (wall and CPU time of
this process, p50/p95), with the query plan it gets (on PostgreSQL, the nodes that read rows). Baseline in the
same run: the rows a latitude/longitude bounding box selects with the same filters (what one would write without
the cell column). Target: under 20 ms.

Run: .venv/bin/python benchmarks/duplicates/bench_duplicates.py [--quick] [--tickets 1000000]
     [--databases sqlite,postgresql]   (--quick: 100,000 tickets, 100 lookups)
"""

import argparse
import datetime as dt
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

CALIBRATION_SEEDS = (23, 29, 37, 41)
EVALUATION_SEED = 11
CASES, NEGATIVES, BACKGROUND = 500, 200, 3000
TARGET_PRECISION = 0.95
TEXTS = 5000  # distinct texts among the million
BASELINE_LOOKUPS = 20
POSTGRES_ADMIN = os.environ.get("POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/test")


def setup_django(url: str, folder: Path) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["CITYLOOP_DATA_DIR"] = str(folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityloop.config.settings.base")
    import django

    django.setup()
    from django.core.management import call_command

    from cityloop.tickets.taxonomy import taxonomy_load_default

    call_command("migrate", verbosity=0)
    taxonomy_load_default()


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


# --------------------------------------------------------------------------------------------------- quality
def store(specs: list[Any]) -> list[int]:
    """Write the generated tickets; their ids in order."""
    from django.db import transaction

    from cityloop.core import clock
    from cityloop.tickets.models import Category, Ticket

    categories = {c.code: c for c in Category.objects.filter(code__in={s.code for s in specs})}
    now = clock.now()
    rows = [Ticket(channel="phone", ticket_type="complaint", title=s.title, description=s.description,
                   status="received", category=categories[s.code], latitude=s.latitude, longitude=s.longitude,
                   cell=Ticket.cell_of(s.latitude, s.longitude), created_at=now - s.age, updated_at=now)
            for s in specs]
    with transaction.atomic():
        Ticket.objects.bulk_create(rows, batch_size=1000)
    return [t.pk for t in rows]


def candidates_of(seed: int, limit: int) -> list[tuple[int | None, list[Any]]]:
    """(the query's original or None, its candidates) for the set generated with `seed`; the tickets are
    removed afterwards."""
    from cases import generate

    from cityloop.intelligence.duplicates import duplicate_candidates, reset_rarity
    from cityloop.tickets.models import Category, Ticket

    specs, queries = generate(seed, CASES, NEGATIVES, BACKGROUND)
    ids = store(specs)
    reset_rarity()  # how common each gram is, among this set's tickets
    categories = {c.code: c for c in Category.objects.filter(code__in={q.code for q in queries})}
    found = []
    for q in queries:
        candidates = duplicate_candidates(title=q.title, description=q.description, latitude=q.latitude,
                                          longitude=q.longitude, category=categories[q.code], limit=limit)
        found.append((ids[q.original] if q.original is not None else None, candidates))
    Ticket.objects.all().delete()
    return found


def wilson_low(hits: int, n: int, z: float = 1.645) -> float:
    """The lower end of the one-sided 95 % Wilson interval of a proportion."""
    p = hits / n
    return (p + z * z / (2 * n) - z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n)


def threshold_for(sets: list[list[tuple[float, bool]]], target: float) -> float:
    """The lowest probability at which the proposals above it reach `target` precision with 95 % confidence in
    every calibration set (generated sets differ more from one another than one set's sampling error says)."""
    for threshold in sorted({p for tops in sets for p, _ in tops}):
        chosen = [[hit for p, hit in tops if p >= threshold] for tops in sets]
        if all(len(c) >= 20 and wilson_low(sum(c), len(c)) >= target for c in chosen):
            return threshold
    return math.inf


def calibrate() -> tuple[tuple[float, ...], float]:
    """Logistic weights over the FEATURES of every candidate pair, and the threshold for TARGET_PRECISION."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from cityloop.intelligence.duplicates import probability

    sets = [candidates_of(seed, limit=1000) for seed in CALIBRATION_SEEDS]
    x = np.array([c.features for found in sets for _, candidates in found for c in candidates])
    y = np.array([c.ticket_id == original for found in sets for original, candidates in found for c in candidates])
    model = LogisticRegression(C=10.0, max_iter=1000).fit(x, y)
    weights = (float(model.intercept_[0]), *(float(w) for w in model.coef_[0]))
    tops = [[(probability(best.features, weights), best.ticket_id == original)
             for original, candidates in found if candidates
             for best in [max(candidates, key=lambda c: probability(c.features, weights))]] for found in sets]
    return weights, threshold_for(tops, TARGET_PRECISION)


def quality() -> None:
    from cityloop.intelligence import duplicates

    started = time.perf_counter()
    weights, threshold = calibrate()
    print(f"calibration set (seeds {CALIBRATION_SEEDS}): {len(CALIBRATION_SEEDS) * (CASES + NEGATIVES)} queries")
    print("  fitted  WEIGHTS = (" + ", ".join(f"{w:.2f}" for w in weights) + f"), MERGE_THRESHOLD = {threshold:.3f}")
    print("  shipped WEIGHTS = (" + ", ".join(f"{w:.2f}" for w in duplicates.WEIGHTS)
          + f"), MERGE_THRESHOLD = {duplicates.MERGE_THRESHOLD:.3f}   (FEATURES: intercept, "
          + ", ".join(duplicates.FEATURES) + ")")
    found = candidates_of(EVALUATION_SEED, limit=5)
    with_duplicate = [(original, c) for original, c in found if original is not None]
    recall5 = sum(any(x.ticket_id == original for x in c) for original, c in with_duplicate) / len(with_duplicate)
    proposed = [x.ticket_id == original for original, c in found for x in c if x.suggest_merge]
    precision = sum(proposed) / len(proposed) if proposed else 1.0
    merge_recall = sum(any(x.ticket_id == original and x.suggest_merge for x in c)
                       for original, c in with_duplicate) / len(with_duplicate)
    print(f"evaluation set (seed {EVALUATION_SEED}): {CASES} queries with a duplicate, {NEGATIVES} without, "
          f"{BACKGROUND} background tickets ({time.perf_counter() - started:.0f} s in all)")
    print(f"  recall@5         {recall5:.4f}  (target 0.95)")
    print(f"  merge precision  {precision:.4f}  (target 0.95) at MERGE_THRESHOLD {duplicates.MERGE_THRESHOLD:.3f}")
    print(f"  merge recall     {merge_recall:.4f}  ({len(proposed)} merges proposed)")


# ----------------------------------------------------------------------------------------------------- speed
def fill(total: int, seed: int) -> None:
    """`total` open tickets of the last 30 days at random points, written the fast way for the database: values
    drawn with numpy, texts from a pool of TEXTS phrasings, ids reserved first (so the numbers go in with the
    rows), executemany on the raw SQLite driver or COPY on PostgreSQL, in creation order."""
    import h3.api.basic_int as h3
    import numpy as np
    from cases import CENTRE, SPREAD
    from django.db import connection, transaction
    from django.utils import timezone
    from phrases import FILLER, PROBLEMS, place

    from cityloop.core import clock
    from cityloop.tickets.models import Category, Ticket

    rng, draw = random.Random(seed), np.random.default_rng(seed)
    category_ids = dict(Category.objects.filter(code__in={code for code, _ in PROBLEMS}).values_list("code", "pk"))
    texts = []
    for _ in range(TEXTS):
        code, phrases = PROBLEMS[rng.randrange(len(PROBLEMS))]
        where, words = place(rng, rng.randrange(10**6)), phrases[rng.randrange(len(phrases))]
        texts.append((f"{where}{words}"[:60], f"{where}{words}，{''.join(rng.sample(FILLER, 3))}请尽快处理。",
                      category_ids[code]))
    statuses = ("received", "dispatched", "signed", "contacted")
    columns = ("id", "number", "created_at", "updated_at", "channel", "ticket_type", "urgency", "is_complex",
               "title", "description", "citizen_name", "citizen_phone", "citizen_email", "address", "latitude",
               "longitude", "area_path", "status", "version", "unit_path", "reply", "satisfaction", "reopen_count",
               "return_count", "place_method", "cell", "category_id")
    postgres = connection.vendor == "postgresql"
    now = clock.now()
    offset = np.timedelta64(int(timezone.localtime(now).utcoffset().total_seconds()), "s")  # the local date
    table = Ticket._meta.db_table
    with transaction.atomic():
        for start in range(0, total, 100_000):
            n = min(100_000, total - start)
            ids = Ticket.reserve_ids(n)
            ages = np.sort(draw.uniform(0, 30 * 86400 * 10**6, n))[::-1].astype("timedelta64[us]")  # oldest first
            moments = np.datetime64(now.replace(tzinfo=None), "us") - ages  # UTC
            days = np.datetime_as_string((moments + offset).astype("datetime64[D]")).tolist()
            stamps = (moments.astype("O").tolist() if postgres
                      else np.char.replace(np.datetime_as_string(moments, unit="us"), "T", " ").tolist())
            if postgres:
                stamps = [moment.replace(tzinfo=dt.UTC) for moment in stamps]
            lats = (CENTRE[0] + draw.uniform(-SPREAD, SPREAD, n)).tolist()
            lons = (CENTRE[1] + draw.uniform(-SPREAD, SPREAD, n)).tolist()
            picks = draw.integers(0, TEXTS, n).tolist()
            kinds = draw.integers(0, len(statuses), n).tolist()
            rows = [(pk, f"{day.replace('-', '')}{pk:06d}", stamp, stamp, "phone", "complaint", "normal", False,
                     texts[pick][0], texts[pick][1], "", "", "", "", lat, lon, "", statuses[kind], 1, "", "", "", 0,
                     0, "", h3.latlng_to_cell(lat, lon, 9), texts[pick][2])
                    for pk, day, stamp, lat, lon, pick, kind in zip(ids, days, stamps, lats, lons, picks, kinds,
                                                                    strict=True)]
            if postgres:
                with connection.cursor() as cursor, cursor.cursor.copy(
                        f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                connection.connection.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['?'] * len(columns))})",  # noqa: S608
                    rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(lookup: Callable[[float, float], object], points: list[tuple[float, float]]
          ) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for lat, lon in points:
        started, started_cpu = time.perf_counter(), time.process_time()
        lookup(lat, lon)
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return wall, cpu


def speed(total: int, lookups: int) -> None:
    """In a process of its own per database (DATABASE_URL set): fill, then time the lookups."""
    from cases import random_point
    from django.db import connection
    from phrases import FILLER, PROBLEMS, place

    from cityloop.core import clock
    from cityloop.intelligence.duplicates import duplicate_candidates
    from cityloop.tickets.choices import OPEN_STATUSES
    from cityloop.tickets.models import Category, Ticket

    rng = random.Random(7)
    started = time.perf_counter()
    fill(total, seed=7)
    print(f"  {connection.vendor}: {total:,} open tickets written in {time.perf_counter() - started:.0f} s", flush=True)
    categories = {c.code: c for c in Category.objects.filter(code__in={code for code, _ in PROBLEMS})}
    queries = []
    for _ in range(lookups):
        code, phrases = PROBLEMS[rng.randrange(len(PROBLEMS))]
        where, words = place(rng, rng.randrange(10**6)), phrases[rng.randrange(len(phrases))]
        queries.append((f"{where}{words}", f"{where}{words}，{''.join(rng.sample(FILLER, 3))}", categories[code]))
    points = [random_point(rng) for _ in range(lookups)]
    texts = iter(queries * 2)
    counts = []

    def by_cells(lat: float, lon: float) -> object:
        title, description, category = next(texts)
        found = duplicate_candidates(title=title, description=description, latitude=lat, longitude=lon,
                                     category=category, limit=1000)
        counts.append(len(found))
        return found

    def by_box(lat: float, lon: float) -> object:
        _title, _description, category = next(texts)
        dlat, dlon = 300 / 111_320, 300 / (111_320 * math.cos(math.radians(lat)))
        return list(Ticket.objects.filter(latitude__range=(lat - dlat, lat + dlat),
                                          longitude__range=(lon - dlon, lon + dlon), status__in=OPEN_STATUSES,
                                          created_at__gte=clock.now() - dt.timedelta(days=30),
                                          category__path__startswith=category.path.split("/", 1)[0] + "/")
                    .values_list("pk", "number", "title", "description", "latitude", "longitude")[:300])

    # A process's first lookup builds the gram rarity table; a few elsewhere in the city warm it and the caches.
    timed(by_cells, [random_point(rng) for _ in range(5)])
    counts.clear()
    cells, cells_cpu = timed(by_cells, points)
    box, _box_cpu = timed(by_box, points[:BASELINE_LOOKUPS])  # a scan per lookup: a few suffice
    print(f"    baseline (lat/lon bounding box, rows only)  wall p50 {statistics.median(box):6.1f} ms  "
          f"p95 {percentile(box, 95):6.1f} ms  ({len(box)} lookups)")
    print(f"    duplicate_candidates (H3 cells, scored)     wall p50 {statistics.median(cells):6.1f} ms  "
          f"p95 {percentile(cells, 95):6.1f} ms  (target < 20 ms)")
    print(f"      CPU time of this process                  p50 {statistics.median(cells_cpu):6.1f} ms  "
          f"p95 {percentile(cells_cpu, 95):6.1f} ms; candidates scored per lookup: median "
          f"{statistics.median(counts):.0f}, max {max(counts)}")
    print("    plan: " + plan(points[0], categories["0101"]))


def plan(point: tuple[float, float], category: Any) -> str:
    """The database's plan for the candidate query (shows which index it uses)."""
    from django.db import connection

    from cityloop.intelligence.duplicates import neighbours

    sql, params = neighbours(latitude=point[0], longitude=point[1], category=category, radius=300)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN {sql}", params)  # the nodes that read rows, without their conditions
            return " | ".join(row[0].strip().removeprefix("->  ").split("  (cost=")[0] for row in cursor.fetchall()
                              if "Scan" in row[0])
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " | ".join(row[-1] for row in cursor.fetchall())


def speed_on(database: str, total: int, lookups: int) -> int:
    """Run `speed` in a fresh process on a fresh database."""
    import psycopg

    command = [sys.executable, __file__, "--speed-only", "--tickets", str(total), "--lookups", str(lookups)]
    with tempfile.TemporaryDirectory() as tmp:
        if database == "sqlite":
            return subprocess.call(command, env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
                                                 "CITYLOOP_DATA_DIR": tmp})
        admin, name = POSTGRES_ADMIN.replace("postgres://", "postgresql://"), "cityloop_bench_duplicates"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        try:
            return subprocess.call(command, env={**os.environ, "CITYLOOP_DATA_DIR": tmp,
                                                 "DATABASE_URL": POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"})
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="100,000 tickets and 100 lookups per database")
    parser.add_argument("--tickets", type=int, default=1_000_000, help="open tickets for the lookup time (0: none)")
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--speed-only", action="store_true", help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args()
    if args.speed_only:
        setup_django(os.environ["DATABASE_URL"], Path(os.environ["CITYLOOP_DATA_DIR"]))
        speed(args.tickets, args.lookups)
        return 0
    if args.quick:
        args.tickets, args.lookups = min(args.tickets, 100_000), 100
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(f"sqlite:///{tmp}/db.sqlite3", Path(tmp))
        quality()
    sys.stdout.flush()
    if args.tickets <= 0:
        return 0
    print(f"candidate lookup with {args.tickets:,} open tickets, {args.lookups} new tickets at random points:")
    sys.stdout.flush()
    return max(speed_on(database, args.tickets, args.lookups) for database in args.databases.split(","))


if __name__ == "__main__":
    sys.exit(main())
