"""Ticket creation through the HTTP API on SQLite and PostgreSQL, next to a bare INSERT baseline.

For each database: a fresh database is migrated and given a small city; gunicorn serves the platform; client
threads POST /api/tickets (each with an Idempotency-Key, as real clients do) and time every request. The
baseline, measured in the same run on the same database, is one INSERT of a ticket row per transaction
through the driver: the least a durable create can cost. Target (issue 2): at least 200 tickets/s with p99
under 100 ms on PostgreSQL on 2 cores.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POSTGRES_ADMIN = os.environ.get("POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/test")
BODY = {"channel": "phone", "ticket_type": "complaint", "title": "小区门口垃圾堆积",
        "description": "望江社区3栋门口垃圾三天没人清运，气味很大，请尽快处理。", "citizen_name": "王先生",
        "citizen_phone": "13812345678", "latitude": 30.605, "longitude": 114.305}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(url: str) -> None:
    """Inside a subprocess with DATABASE_URL set: migrate, seed a city, print a token and the baseline."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityloop.config.settings.base")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from cityloop.organisation.choices import AreaKind, Role, UnitKind
    from cityloop.organisation.models import Area, Membership, Unit
    from cityloop.security.services import api_token_create
    from cityloop.tickets.defaults import calendar_seed, time_limits_seed

    call_command("migrate", verbosity=0)
    calendar_seed()
    time_limits_seed()
    city = Area.objects.create(kind=AreaKind.CITY, code="C", name="临江市")
    parent = city
    for kind in (AreaKind.DISTRICT, AreaKind.STREET, AreaKind.COMMUNITY):
        parent = Area.objects.create(kind=kind, code=f"C-{kind}", name=str(kind), parent=parent)
    for i in range(200):  # a 20 x 10 lattice of grids, so that the point lookup has work to do
        lon, lat = 114.2 + (i % 20) * 0.01, 30.55 + (i // 20) * 0.01
        Area.objects.create(kind=AreaKind.GRID, code=f"G{i}", name=f"网格{i}", parent=parent,
                            boundary={"type": "Polygon", "coordinates": [[[lon, lat], [lon + 0.01, lat],
                                                                          [lon + 0.01, lat + 0.01],
                                                                          [lon, lat + 0.01], [lon, lat]]]})
    centre = Unit.objects.create(kind=UnitKind.CENTRE, code="U", name="12345", area=city)
    user = get_user_model().objects.create_user("bench-operator")
    Membership.objects.create(user=user, unit=centre, role=Role.OPERATOR, scope=city)
    _, key = api_token_create(user=user, name="bench")

    # The baseline: one row, one transaction, as many times as the API run creates tickets.
    latencies = []
    columns = ("channel, ticket_type, urgency, is_complex, title, description, citizen_name, citizen_phone, "
               "citizen_email, address, area_path, status, version, unit_path, reply, satisfaction, "
               "reopen_count, return_count, place_method, created_at, updated_at")
    values = ["phone", "complaint", "normal", False, BODY["title"], BODY["description"], "王先生",
              "13812345678", "", "", city.path, "received", 1, "", "", "", 0, 0, ""]
    placeholders = ", ".join(["%s"] * (len(values) + 2))
    from django.db import transaction
    from django.utils import timezone

    for _ in range(int(os.environ.get("BENCH_REQUESTS", "2000"))):
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            now = timezone.now()
            cursor.execute(f"INSERT INTO tickets_ticket ({columns}) VALUES ({placeholders})",  # noqa: S608
                           [*values, now, now])
        latencies.append(time.perf_counter() - started)
    from cityloop.tickets.models import Ticket

    Ticket.objects.all().delete()
    print(json.dumps({"key": key, "baseline": latencies}))


def run_clients(port: int, key: str, requests: int, concurrency: int) -> tuple[list[float], int, float]:
    """Client threads, each sending its share of requests one after another, a connection per request.

    The requests are written as bytes over a plain socket rather than through http.client: the client shares
    the server's two cores, and the less of them it takes, the more the figure is the server's.
    """
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_thread = requests // concurrency
    body = json.dumps(BODY).encode()
    head = (f"POST /api/tickets HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
            "Idempotency-Key: ").encode()

    def worker() -> None:
        nonlocal errors
        mine, failures = [], 0
        for _ in range(per_thread):
            started, response = time.perf_counter(), b""
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                    sock.sendall(head + uuid.uuid4().hex.encode() + b"\r\n\r\n" + body)
                    while chunk := sock.recv(65536):  # the server closes the connection after the answer
                        response += chunk
            except OSError:
                pass  # counted as an error below
            mine.append(time.perf_counter() - started)
            failures += not response.startswith(b"HTTP/1.1 201")
        with lock:
            latencies.extend(mine)
            errors += failures

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - started


def wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def row(name: str, latencies: list[float], elapsed: float, errors: int = 0) -> str:
    return (f"{name:<34} {len(latencies) / elapsed:>9.0f} {statistics.median(latencies) * 1000:>9.1f} "
            f"{percentile(latencies, 0.99) * 1000:>9.1f} {errors:>7}")


def bench(label: str, url: str, args: argparse.Namespace, data_dir: Path) -> list[str]:
    env = {**os.environ, "DATABASE_URL": url, "CITYLOOP_DATA_DIR": str(data_dir),
           "BENCH_REQUESTS": str(args.requests), "DJANGO_SETTINGS_MODULE": "cityloop.config.settings.base"}
    prepared = json.loads(subprocess.check_output([sys.executable, __file__, "--prepare", url], env=env)
                          .decode().strip().splitlines()[-1])
    port = free_port()
    server = subprocess.Popen([str(BIN / "gunicorn"), "cityloop.config.wsgi", "--bind", f"127.0.0.1:{port}",
                               "--workers", str(args.workers), "--threads", "1", "--log-level", "warning"],
                              env=env, cwd=REPO)
    try:
        wait_for(port)
        run_clients(port, prepared["key"], args.concurrency * 10, args.concurrency)  # warm-up
        latencies, errors, elapsed = run_clients(port, prepared["key"], args.requests, args.concurrency)
    finally:
        server.terminate()
        server.wait(timeout=30)
    baseline = prepared["baseline"]
    return [row(f"{label}: bare INSERT (1 conn)", baseline, sum(baseline)),
            row(f"{label}: POST /api/tickets", latencies, elapsed, errors)]


def reference_loop() -> float:
    started, total = time.process_time(), 0
    for i in range(10**7):
        total += i
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--prepare")
    parser.add_argument("--quick", action="store_true", help="500 requests per database")
    args, _ = parser.parse_known_args()
    if args.prepare:
        prepare(args.prepare)
        return
    if args.quick:
        args.requests = 500
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += bench("SQLite", f"sqlite:///{tmp}/bench.sqlite3", args, Path(tmp))
    import psycopg

    name = "cityloop_bench"
    with psycopg.connect(POSTGRES_ADMIN.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            rows += bench("PostgreSQL", POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}", args, Path(tmp))
    finally:
        with psycopg.connect(POSTGRES_ADMIN.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
    print(f"ticket creation: {args.requests} requests, {args.concurrency} client threads, "
          f"gunicorn {args.workers} workers, {os.cpu_count()} cores; {reference_loop():.2f} s of CPU for 10^7 "
          "Python additions (the machine's speed, to compare runs on different machines)")
    print(f"{'':<34} {'per s':>9} {'p50 ms':>9} {'p99 ms':>9} {'errors':>7}")
    for line in rows:
        print(line)


if __name__ == "__main__":
    main()
