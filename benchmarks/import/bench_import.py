"""Bulk import of 100,000 tickets from CSV into a fresh SQLite database, next to a bare baseline.

A generated UTF-8 CSV (Chinese titles and texts, a point in or near the city's grids for most rows, dates over
the past year) is imported with `cityloop.open311.imports.import_tickets`: read, check every row, then write
tickets, their numbers, "receive" events and ImportedRow records in chunks. The baseline, measured in the same
run on the same database: `csv.reader` over the same file plus one `bulk_create` of bare Ticket rows (no
checks, no numbers, no area, no events, no import records) — the least such an import can cost in Django.
Target (issue 7): 100,000 rows in under 60 s. A second import of the same file is timed too (it adds nothing).

    .venv/bin/python benchmarks/import/bench_import.py [--rows N]
"""

import argparse
import csv
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEADER = ["编号", "时间", "标题", "内容", "类型", "分类", "电话", "纬度", "经度", "地址"]
MAPPING = {
    "name": "bench", "source": "bench", "timezone": "Asia/Shanghai", "date_formats": ["%Y/%m/%d %H:%M:%S"],
    "columns": {"编号": "external_id", "时间": "created_at", "标题": "title", "内容": "description",
                "类型": "ticket_type", "分类": "category", "电话": "citizen_phone", "纬度": "latitude",
                "经度": "longitude", "地址": "address"},
    "value_maps": {"ticket_type": {"投诉": "complaint", "咨询": "inquiry", "求助": "help", "建议": "suggestion"}},
}
TOPICS = ["小区门口垃圾堆积", "夜间施工噪音扰民", "路灯不亮", "井盖缺失", "占道经营", "违章停车", "供暖不热",
          "下水道堵塞",
          "社保卡办理咨询", "公交线路调整建议"]
STREETS = ["望江路", "滨江大道", "江岸路", "解放路", "中山路"]


def generate(path: Path, rows: int) -> None:
    rng = random.Random(7)
    start = dt.datetime(2025, 11, 1)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for i in range(rows):
            topic = rng.choice(TOPICS)
            street = rng.choice(STREETS)
            at = start + dt.timedelta(seconds=rng.randrange(300 * 86400))
            has_point = rng.random() < 0.8
            writer.writerow([
                f"B{i:07d}", f"{at:%Y/%m/%d %H:%M:%S}", topic,
                f"{street}{rng.randrange(1, 300)}号附近{topic}，已经持续{rng.randrange(1, 30)}天，请尽快处理。",
                rng.choice(["投诉", "咨询", "求助", "建议"]), rng.choice(["市容环卫", "0101", ""]),
                f"139{rng.randrange(10**8):08d}",
                f"{30.60 + rng.random() * 0.012:.6f}" if has_point else "",
                f"{114.30 + rng.random() * 0.032:.6f}" if has_point else "",
                f"{street}{rng.randrange(1, 300)}号"])


def seed_city() -> None:
    from cityloop.organisation.choices import AreaKind
    from cityloop.organisation.models import Area
    from cityloop.tickets.models import Category

    city = Area.objects.create(kind=AreaKind.CITY, code="C", name="临江市", latitude=30.6, longitude=114.3)
    district = Area.objects.create(kind=AreaKind.DISTRICT, code="C-D1", name="江北区", parent=city)
    street = Area.objects.create(kind=AreaKind.STREET, code="C-D1-S1", name="滨江街道", parent=district)
    community = Area.objects.create(kind=AreaKind.COMMUNITY, code="C-D1-S1-C1", name="望江社区", parent=street)
    for i in range(3):  # three grids side by side; some points fall outside all of them
        lon = 114.30 + 0.01 * i
        Area.objects.create(kind=AreaKind.GRID, code=f"G{i}", name=f"望江{i + 1}号网格", parent=community,
                            boundary={"type": "Polygon", "coordinates": [[[lon, 30.60], [lon + 0.01, 30.60],
                                                                          [lon + 0.01, 30.61], [lon, 30.61],
                                                                          [lon, 30.60]]]})
    top = Category.objects.create(code="01", name="城乡建设", level=1)
    Category.objects.create(code="0101", name="市容环卫", level=2, parent=top)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    options, _unknown = parser.parse_known_args()
    folder = Path(tempfile.mkdtemp(prefix="cityloop-bench-import-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["CITYLOOP_DATA_DIR"] = str(folder)
    os.environ["DJANGO_SETTINGS_MODULE"] = "cityloop.config.settings.base"
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    from cityloop.open311.imports import Mapping, import_tickets
    from cityloop.open311.models import ImportedRow
    from cityloop.tickets.models import Ticket, TicketEvent

    call_command("migrate", verbosity=0)
    seed_city()
    source = folder / "tickets.csv"
    generate(source, options.rows)
    size = source.stat().st_size / 2**20
    mapping = Mapping.from_config(MAPPING)

    started, cpu = time.perf_counter(), time.process_time()
    outcome = import_tickets(source, mapping)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    counts = (Ticket.objects.count(), TicketEvent.objects.count(), ImportedRow.objects.count())
    located = Ticket.objects.filter(place_method__contains="point").count()

    started, again_cpu = time.perf_counter(), time.process_time()
    again = import_tickets(source, mapping)
    again_seconds, again_cpu = time.perf_counter() - started, time.process_time() - again_cpu

    # Baseline: csv.reader over the same file and one bulk_create of bare tickets.
    Ticket.objects.all().delete()
    started, baseline_cpu = time.perf_counter(), time.process_time()
    with source.open(encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        next(reader)
        bare = [Ticket(channel="import", ticket_type="complaint", title=row[2], description=row[3])
                for row in reader]
    Ticket.objects.bulk_create(bare, batch_size=1000)
    baseline, baseline_cpu = time.perf_counter() - started, time.process_time() - baseline_cpu

    print(f"SQLite {django.db.connection.Database.sqlite_version}, Python {sys.version.split()[0]}, "
          f"{options.rows:,} rows, {size:.1f} MiB CSV ({folder}); {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} (wall time suffers on a busy machine; CPU time less)")
    print(f"import:   {seconds:7.2f} s wall, {cpu:6.2f} s CPU  {options.rows / seconds:8,.0f} rows/s  "
          f"(imported {outcome.imported:,}, rejected {len(outcome.rejected):,}; tickets/events/import rows "
          f"{counts[0]:,}/{counts[1]:,}/{counts[2]:,}; located by point {located:,})")
    print(f"again:    {again_seconds:7.2f} s wall, {again_cpu:6.2f} s CPU  "
          f"{options.rows / again_seconds:8,.0f} rows/s  "
          f"(imported {again.imported:,}, already imported {again.skipped:,})")
    print(f"baseline: {baseline:7.2f} s wall, {baseline_cpu:6.2f} s CPU  {options.rows / baseline:8,.0f} rows/s  "
          "(csv.reader + one bulk_create of bare Ticket rows)")
    scaled = 100_000 / options.rows
    print(f"import / baseline: {seconds / baseline:.1f}x wall, {cpu / baseline_cpu:.1f}x CPU; target 100,000 rows "
          f"< 60 s: {'met' if seconds * scaled < 60 else 'NOT met'} by wall time, "
          f"{'met' if cpu * scaled < 60 else 'NOT met'} by CPU time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
