"""Server time of the busiest staff pages with the demo city's 100,000 tickets in the database.

A fresh SQLite database gets the generated demo city (`cityloop simulate`); then, in-process (so that the
figure is the server's own time, without a client or a network), each page is requested repeatedly as the
demo account that uses it, and p50/p95 and the number of queries are printed. Target (issue 3): p95 under
300 ms for the handler's to-do list, the ticket page and the supervision board, with a bounded number of
queries. The baseline is the sign-in page, which touches no ticket, measured in the same run.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="20,000 tickets, 10 requests per page")
    args, _ = parser.parse_known_args()
    if args.quick:
        args.tickets, args.repeat = 20_000, 10
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "CITYLOOP_DATA_DIR": tmp, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
               "DJANGO_SETTINGS_MODULE": "cityloop.config.settings.base"}
        cityloop = str(Path(sys.executable).parent / "cityloop")
        started = time.perf_counter()
        subprocess.run([cityloop, "migrate", "-v0"], env=env, check=True, cwd=REPO)
        subprocess.run([cityloop, "seed_defaults"], env=env, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        subprocess.run([cityloop, "simulate", "--tickets", str(args.tickets), "--seed", "1", "-v0"], env=env,
                       check=True, cwd=REPO)
        print(f"demo city with {args.tickets} tickets generated in {time.perf_counter() - started:.0f} s")
        os.environ.update(env)
        measure(args.repeat)


def measure(repeat: int) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cityloop.security.access import memberships_of
    from cityloop.tickets.models import Ticket

    users = get_user_model().objects
    handler, supervisor = users.get(username="handler"), users.get(username="supervisor")
    unit_ids = [m.unit_id for m in memberships_of(handler)]
    ticket = Ticket.objects.filter(unit_id__in=unit_ids).order_by("-created_at").first()
    assert ticket is not None, "the demo handler has no ticket"
    pages = [
        ("baseline: sign-in page", None, "/accounts/login/"),
        ("handler to-do list", handler, "/handling/todo/"),
        ("ticket page", handler, f"/tickets/{ticket.pk}/"),
        ("supervision board", supervisor, "/supervision/board/"),
    ]
    print(f"{'page':<28} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for label, user, url in pages:
        client = Client()
        if user is not None:
            client.force_login(user)
        assert client.get(url).status_code == 200, url  # warm-up, and the page must work
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        p95 = sorted(timings)[max(0, int(0.95 * len(timings)) - 1)]
        print(f"{label:<28} {statistics.median(timings):>8.1f} {p95:>8.1f} {len(queries):>8}")


if __name__ == "__main__":
    main()
