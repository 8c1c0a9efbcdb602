"""Duplicate candidates: quality on generated paraphrased duplicates with hard negatives, and lookup time with
one million open tickets.

Quality. A temporary SQLite database gets the default taxonomy and, for CASES estates (random points in a
44 × 38 km city, seed 11): the original ticket (one paraphrase of a problem from phrases.py, at the estate,
±50 m), a hard negative at the same place with another problem (half of them of the same category family),
and a hard negative with the same problem 2–4 km away; plus BACKGROUND random open tickets, and NEGATIVES
estates that hold only another problem. Each query is another paraphrase of the problem, with the place said
another way, ±50 m from the estate, classified in the problem's category. recall@5: the original among the five
candidates; merge precision: of the candidates proposed for merging (score ≥ MERGE_THRESHOLD), the share that
are the query's original; merge recall: queries whose original is proposed.

Speed. 1,000,000 open tickets (created in the last 30 days, random points in the same city, cells filled) are
bulk-inserted with executemany; `duplicate_candidates` is timed at 200 random points. Baseline in the same
run: the same filters with a latitude/longitude bounding box instead of the H3 cells (what one would write
without the cell column).

Run: .venv/bin/python benchmarks/duplicates/bench_duplicates.py [--million 1000000]
"""

import argparse
import datetime as dt
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

CENTRE = (30.6, 114.3)
SPREAD = 0.2  # degrees either side
CASES, NEGATIVES, BACKGROUND = 500, 200, 3000


def offset(lat: float, lon: float, metres: float, rng: random.Random) -> tuple[float, float]:
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = metres * math.cos(bearing) / 111_320
    dlon = metres * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


def main() -> None:  # noqa: PLR0915  (one script, top to bottom)
    parser = argparse.ArgumentParser()
    parser.add_argument("--million", type=int, default=1_000_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cityloop-duplicates-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'db.sqlite3'}"
    os.environ["CITYLOOP_DATA_DIR"] = str(folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityloop.config.settings.base")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from phrases import PROBLEMS, place

    from cityloop.core import clock
    from cityloop.intelligence import duplicates
    from cityloop.intelligence.duplicates import duplicate_candidates
    from cityloop.tickets.choices import OPEN_STATUSES
    from cityloop.tickets.models import Category, Ticket
    from cityloop.tickets.taxonomy import taxonomy_load_default

    call_command("migrate", verbosity=0)
    taxonomy_load_default()
    categories = {c.code: c for c in Category.objects.filter(code__in={code for code, _ in PROBLEMS})}
    rng = random.Random(11)
    now = clock.now()
    rows: list[Ticket] = []

    def ticket(problem: int, phrase: int, text_place: str, lat: float, lon: float) -> Ticket:
        code, phrases = PROBLEMS[problem]
        words = phrases[phrase % len(phrases)]
        return Ticket(channel="phone", ticket_type="complaint", title=f"{text_place}{words}"[:60],
                      description=f"{text_place}{words}，请尽快处理。", status="received",
                      category=categories[code], latitude=lat, longitude=lon, cell=Ticket.cell_of(lat, lon),
                      created_at=now - dt.timedelta(hours=rng.uniform(1, 240)), updated_at=now)

    def random_point() -> tuple[float, float]:
        return CENTRE[0] + rng.uniform(-SPREAD, SPREAD), CENTRE[1] + rng.uniform(-SPREAD, SPREAD)

    queries = []  # (problem, estate, lat, lon, index of the original row or None)
    for case in range(CASES + NEGATIVES):
        lat, lon = random_point()
        problem = rng.randrange(len(PROBLEMS))
        phrase = rng.randrange(4)
        family = PROBLEMS[problem][0][:2]
        same_family = [i for i, (code, _) in enumerate(PROBLEMS) if code[:2] == family and i != problem]
        others = [i for i in range(len(PROBLEMS)) if i != problem]
        other = rng.choice(same_family) if same_family and rng.random() < 0.5 else rng.choice(others)
        rows.append(ticket(other, rng.randrange(4), place(rng, case), *offset(lat, lon, rng.uniform(0, 50), rng)))
        original = None
        if case < CASES:
            original = len(rows)
            rows.append(ticket(problem, phrase, place(rng, case), *offset(lat, lon, rng.uniform(0, 50), rng)))
            rows.append(ticket(problem, phrase, place(rng, case + 1000),
                               *offset(lat, lon, rng.uniform(2000, 4000), rng)))
        query_phrase = (phrase + rng.randrange(1, 4)) % 4
        queries.append((problem, query_phrase, case, *offset(lat, lon, rng.uniform(0, 50), rng), original))
    for _ in range(BACKGROUND):
        rows.append(ticket(rng.randrange(len(PROBLEMS)), rng.randrange(4), place(rng, rng.randrange(5000, 9000)),
                           *random_point()))
    with transaction.atomic():
        Ticket.objects.bulk_create(rows, batch_size=1000)
    ids = [t.pk for t in rows]

    def run() -> list[list[tuple[int, bool, bool]]]:
        """Per query: (candidate id, proposed for merging, is the query's original)."""
        found = []
        for problem, phrase, case, lat, lon, original in queries:
            code, phrases = PROBLEMS[problem]
            text_place = place(random.Random(case), case)
            words = phrases[phrase]
            candidates = duplicate_candidates(title=f"{text_place}{words}"[:60], description=f"{text_place}{words}。",
                                              latitude=lat, longitude=lon, category=categories[code])
            target = ids[original] if original is not None else None
            found.append([(c.ticket_id, c.suggest_merge, c.ticket_id == target) for c in candidates])
        return found

    def merges(found: list[list[tuple[int, bool, bool]]]) -> tuple[float, float, int]:
        proposed = [hit for f in found for _, merge, hit in f if merge]
        precision = sum(proposed) / len(proposed) if proposed else 1.0
        recall = sum(any(hit and merge for _, merge, hit in f) for f in found[:CASES]) / CASES
        return precision, recall, len(proposed)

    chosen = duplicates.MERGE_THRESHOLD, duplicates.MERGE_MARGIN
    print(f"{len(rows)} open tickets; {CASES} duplicate queries, {NEGATIVES} queries without a duplicate")
    print("sweep: threshold, margin → merge precision / merge recall / merges proposed")
    for margin in (0.05, 0.1, 0.15):
        for threshold in (0.1, 0.15, 0.2, 0.3):
            duplicates.MERGE_THRESHOLD, duplicates.MERGE_MARGIN = threshold, margin
            precision, recall, n = merges(run())
            print(f"  {threshold:.2f}, {margin:.2f} → {precision:.4f} / {recall:.4f} / {n}")
    duplicates.MERGE_THRESHOLD, duplicates.MERGE_MARGIN = chosen
    found = run()
    recall5 = sum(any(hit for _, _, hit in f) for f in found[:CASES]) / CASES
    precision, recall, n = merges(found)
    print(f"recall@5 {recall5:.4f} (target 0.95)")
    print(f"at MERGE_THRESHOLD {chosen[0]}, MERGE_MARGIN {chosen[1]}: merge precision {precision:.4f} (target 0.95), "
          f"merge recall {recall:.4f}, {n} merges proposed")
    sys.stdout.flush()

    if args.million <= 0:
        return
    started = time.perf_counter()
    columns = ("created_at", "updated_at", "channel", "ticket_type", "urgency", "is_complex", "title", "description",
               "citizen_name", "citizen_phone", "citizen_email", "address", "latitude", "longitude", "area_path",
               "status", "version", "unit_path", "reply", "satisfaction", "reopen_count", "return_count",
               "place_method", "cell", "category_id")
    sql = (f"INSERT INTO tickets_ticket ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})")  # noqa: S608
    category_ids = [c.pk for c in categories.values()]
    statuses = list(OPEN_STATUSES)
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, args.million, 50_000):
            batch = []
            for _ in range(min(50_000, args.million - start)):
                lat, lon = random_point()
                problem = rng.randrange(len(PROBLEMS))
                at = (now - dt.timedelta(seconds=rng.uniform(0, 30 * 86400))).strftime("%Y-%m-%d %H:%M:%S.%f")
                text = PROBLEMS[problem][1][rng.randrange(4)]
                batch.append((at, at, "phone", "complaint", "normal", False, text, text, "", "", "", "", lat, lon,
                              "", rng.choice(statuses), 1, "", "", "", 0, 0, "", Ticket.cell_of(lat, lon),
                              rng.choice(category_ids)))
            cursor.executemany(sql, batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"inserted {args.million} open tickets in {time.perf_counter() - started:.0f} s")
    points = [random_point() for _ in range(200)]
    category = categories["0101"]

    def timed(lookup) -> list[float]:  # lookup(lat, lon)
        times = []
        for lat, lon in points:
            started = time.perf_counter()
            lookup(lat, lon)
            times.append((time.perf_counter() - started) * 1000)
        return times

    def by_cells(lat: float, lon: float) -> object:
        return duplicate_candidates(title="门口垃圾堆积", description="垃圾没人清运", latitude=lat, longitude=lon,
                                    category=category)

    def by_box(lat: float, lon: float) -> object:
        dlat, dlon = 300 / 111_320, 300 / (111_320 * math.cos(math.radians(lat)))
        return list(Ticket.objects.filter(latitude__range=(lat - dlat, lat + dlat),
                                          longitude__range=(lon - dlon, lon + dlon), status__in=OPEN_STATUSES,
                                          created_at__gte=clock.now() - dt.timedelta(days=30),
                                          category__path__startswith=category.path.split("/", 1)[0] + "/")
                    .values_list("pk", "number", "title", "description", "latitude", "longitude")[:500])

    timed(by_cells)  # warm the page cache
    cells, box = timed(by_cells), timed(by_box)

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=100)[94]

    print(f"candidate lookup, {args.million} open tickets, 200 points:")
    print(f"  baseline (lat/lon bounding box, rows only)  median {statistics.median(box):7.1f} ms  "
          f"p95 {p95(box):7.1f} ms")
    print(f"  duplicate_candidates (H3 cells, scored)     median {statistics.median(cells):7.1f} ms  "
          f"p95 {p95(cells):7.1f} ms (target < 20 ms)")


if __name__ == "__main__":
    main()
