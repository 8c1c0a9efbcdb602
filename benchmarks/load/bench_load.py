"""A mixed read/write load on the platform for 60 s: creations, list reads, ticket reads and transitions.

A fresh database (SQLite, and PostgreSQL unless --sqlite-only) is migrated and given a small city with an
operator/dispatcher and a handling unit; gunicorn serves the platform on 127.0.0.1; client threads run the mix
below against the REST API for --seconds (bounded by --max-requests) and time every request:

    35 %  POST /api/tickets                       (operator, with an Idempotency-Key)
    25 %  GET  /api/tickets?limit=20              (handler: the unit's scoped list)
    25 %  GET  /api/tickets/{id}                  (operator, a ticket created earlier in the run)
    15 %  POST /api/tickets/{id}/actions/dispatch (dispatcher) or .../sign (handler), each ticket once

Baseline, in the same run on the same server: GET /accounts/login/ (a page with no database work) for a few
seconds before the mix. Target (issue 8): the mix held for 60 s on 2 cores with zero errors.
"""

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POSTGRES_ADMIN = os.environ.get("POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/test")
BODY = {"channel": "phone", "ticket_type": "complaint", "title": "小区门口垃圾堆积",
        "description": "望江社区3栋门口垃圾三天没人清运，气味很大，请尽快处理。", "citizen_name": "王先生",
        "citizen_phone": "13812345678", "latitude": 30.605, "longitude": 114.305}
EXPECTED = {"create": {201}, "list": {200}, "read": {200}, "dispatch": {200}, "sign": {200}, "baseline": {200}}


def prepare() -> None:
    """Inside a subprocess with DATABASE_URL set: migrate, seed a city, print the tokens and unit id."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityloop.config.settings.base")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

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
    for i in range(50):
        lon, lat = 114.25 + (i % 10) * 0.01, 30.58 + (i // 10) * 0.01
        Area.objects.create(kind=AreaKind.GRID, code=f"G{i}", name=f"网格{i}", parent=parent,
                            boundary={"type": "Polygon", "coordinates": [[[lon, lat], [lon + 0.01, lat],
                                                                          [lon + 0.01, lat + 0.01],
                                                                          [lon, lat + 0.01], [lon, lat]]]})
    centre = Unit.objects.create(kind=UnitKind.CENTRE, code="U", name="12345", area=city)
    department = Unit.objects.create(kind=UnitKind.DEPARTMENT, code="U-CG", name="城管局", area=city)
    users = get_user_model().objects
    operator, handler = users.create_user("bench-operator"), users.create_user("bench-handler")
    Membership.objects.create(user=operator, unit=centre, role=Role.OPERATOR, scope=city)
    Membership.objects.create(user=operator, unit=centre, role=Role.DISPATCHER, scope=city)
    Membership.objects.create(user=handler, unit=department, role=Role.HANDLER, scope=city)
    print(json.dumps({"operator": api_token_create(user=operator, name="bench")[1],
                      "handler": api_token_create(user=handler, name="bench")[1], "unit": department.pk}))


class Load:
    """Client threads sharing the ids of tickets created so far, each ticket dispatched and signed once."""

    def __init__(self, port: int, tokens: dict[str, Any]) -> None:
        self.port, self.tokens = port, tokens
        self.lock = threading.Lock()
        self.created: list[int] = []
        self.to_dispatch: list[int] = []
        self.to_sign: list[int] = []
        self.latencies: dict[str, list[float]] = {k: [] for k in EXPECTED}
        self.errors: dict[str, int] = dict.fromkeys(EXPECTED, 0)
        self.samples: list[str] = []

    def call(self, conn: http.client.HTTPConnection, kind: str, method: str, path: str, *, token: str | None,
             body: dict[str, Any] | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if kind == "create":
            headers["Idempotency-Key"] = uuid.uuid4().hex
        started = time.perf_counter()
        try:
            conn.request(method, path, json.dumps(body) if body is not None else None, headers)
            response = conn.getresponse()
            data = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            data, status = str(exc).encode(), 0
        elapsed = time.perf_counter() - started
        ok = status in EXPECTED[kind]
        with self.lock:
            self.latencies[kind].append(elapsed)
            if not ok:
                self.errors[kind] += 1
                if len(self.samples) < 5:
                    self.samples.append(f"{method} {path} -> {status} {data[:200]!r}")
        return json.loads(data) if ok and data[:1] in (b"{", b"[") else None

    def step(self, conn: http.client.HTTPConnection, rng: random.Random) -> None:
        roll = rng.random()
        operator, handler = self.tokens["operator"], self.tokens["handler"]
        if roll < 0.35 or not self.created:
            body = self.call(conn, "create", "POST", "/api/tickets", token=operator, body=BODY)
            if body:
                with self.lock:
                    self.created.append(body["id"])
                    self.to_dispatch.append(body["id"])
        elif roll < 0.60:
            self.call(conn, "list", "GET", "/api/tickets?limit=20", token=handler)
        elif roll < 0.85:
            with self.lock:
                ticket_id = rng.choice(self.created)
            self.call(conn, "read", "GET", f"/api/tickets/{ticket_id}", token=operator)
        else:
            with self.lock:
                sign = bool(self.to_sign) and (rng.random() < 0.5 or not self.to_dispatch)
                queue = self.to_sign if sign else self.to_dispatch
                picked = queue.pop(0) if queue else None
            if picked is None:
                return
            ticket_id = picked
            if sign:
                self.call(conn, "sign", "POST", f"/api/tickets/{ticket_id}/actions/sign", token=handler, body={})
            elif self.call(conn, "dispatch", "POST", f"/api/tickets/{ticket_id}/actions/dispatch",
                           token=operator, body={"unit_id": self.tokens["unit"]}):
                with self.lock:
                    self.to_sign.append(ticket_id)

    def run(self, threads: int, seconds: float, max_requests: int, baseline: bool = False) -> float:
        deadline = time.monotonic() + seconds
        budget = [max_requests]

        def worker(seed: int) -> None:
            rng = random.Random(seed)
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            while time.monotonic() < deadline:
                with self.lock:
                    if budget[0] <= 0:
                        break
                    budget[0] -= 1
                if baseline:
                    self.call(conn, "baseline", "GET", "/accounts/login/", token=None)
                else:
                    self.step(conn, rng)
            conn.close()

        pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
        started = time.perf_counter()
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        return time.perf_counter() - started


def wait_for(port: int, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/accounts/login/")
            conn.getresponse().read()
            return
        except (OSError, http.client.HTTPException):
            time.sleep(1)
    raise RuntimeError("server did not start")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def row(name: str, latencies: list[float], elapsed: float, errors: int) -> str:
    if not latencies:
        return f"{name:<34} {'-':>8}"
    return (f"{name:<34} {len(latencies):>8} {len(latencies) / elapsed:>8.1f} "
            f"{statistics.median(latencies) * 1000:>8.1f} {percentile(latencies, 0.95) * 1000:>8.1f} "
            f"{percentile(latencies, 0.99) * 1000:>8.1f} {errors:>7}")


def bench(label: str, url: str, args: argparse.Namespace, data_dir: Path) -> tuple[list[str], int, list[str]]:
    env = {**os.environ, "DATABASE_URL": url, "CITYLOOP_DATA_DIR": str(data_dir),
           "DJANGO_SETTINGS_MODULE": "cityloop.config.settings.base",
           "CITYLOOP_API_RATE_USER": "1000000/m", "CITYLOOP_API_RATE_ANONYMOUS": "1000000/m"}
    output = subprocess.check_output([sys.executable, __file__, "--prepare"], env=env, cwd=REPO)
    tokens = json.loads(output.decode().strip().splitlines()[-1])
    from socket import socket

    with socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = subprocess.Popen([str(BIN / "gunicorn"), "cityloop.config.wsgi", "--bind", f"127.0.0.1:{port}",
                               "--workers", str(args.workers), "--threads", "1", "--log-level", "warning",
                               "--timeout", "60"], env=env, cwd=REPO)
    try:
        wait_for(port)
        load = Load(port, tokens)
        base_elapsed = load.run(args.threads, args.baseline_seconds, args.max_requests, baseline=True)
        mix_elapsed = load.run(args.threads, args.seconds, args.max_requests)
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    rows = [row(f"{label}: baseline GET /accounts/login/", load.latencies["baseline"], base_elapsed,
                load.errors["baseline"])]
    mixed = [v for k, vs in load.latencies.items() if k != "baseline" for v in vs]
    mixed_errors = sum(v for k, v in load.errors.items() if k != "baseline")
    rows.append(row(f"{label}: mix, all requests", mixed, mix_elapsed, mixed_errors))
    for kind in ("create", "list", "read", "dispatch", "sign"):
        rows.append(row(f"{label}:   {kind}", load.latencies[kind], mix_elapsed, load.errors[kind]))
    return rows, mixed_errors + load.errors["baseline"], load.samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--baseline-seconds", type=float, default=5)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--quick", action="store_true", help="10 s per database")
    parser.add_argument("--prepare", action="store_true")
    args, _ = parser.parse_known_args()
    if args.prepare:
        prepare()
        return
    if args.quick:
        args.seconds, args.baseline_seconds = 10, 2
    rows: list[str] = []
    errors, samples = 0, list[str]()
    with tempfile.TemporaryDirectory() as tmp:
        r, e, s = bench("SQLite", f"sqlite:///{tmp}/bench.sqlite3", args, Path(tmp))
        rows, errors, samples = rows + r, errors + e, samples + s
    if not args.sqlite_only:
        import psycopg

        name = "cityloop_load"
        admin = POSTGRES_ADMIN.replace("postgres://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        try:
            with tempfile.TemporaryDirectory() as tmp:
                r, e, s = bench("PostgreSQL", POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}", args, Path(tmp))
                rows, errors, samples = rows + r, errors + e, samples + s
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name}")
    print(f"mixed load: {args.seconds:.0f} s per database, {args.threads} client threads, "
          f"gunicorn {args.workers} workers, {os.cpu_count()} cores")
    print(f"{'':<34} {'requests':>8} {'per s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for line in rows:
        print(line)
    for sample in samples:
        print("error:", sample)
    print(f"errors: {errors} (target 0)")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
