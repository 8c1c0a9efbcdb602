"""What the intake pipeline adds to ticket creation: ticket_create alone vs ticket_intake, in-process, same run.

A temporary SQLite database gets the demo city with SIMULATED tickets of history (so duplicates, the dispatch
model and the category model have real work), the demo knowledge base, and a category model retrained from
the history and made active. Then N calls of each, interleaved (create, intake, create, …) with texts and
points sampled from the history, by a dispatcher (so automatic dispatch runs when the advice is sure). The
dispatch model and the indexes are built before timing (a process builds them once; see dispatch.suggest).
Target (issue 4): the pipeline adds under 50 ms at p95.

Run: .venv/bin/python benchmarks/intake/bench_pipeline.py [--history 5000] [--n 200]
"""

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--history", type=int, default=5000)
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cityloop-intake-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'db.sqlite3'}"
    os.environ["CITYLOOP_DATA_DIR"] = str(folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityloop.config.settings.base")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from cityloop.demo.knowledge import knowledge_load_demo
    from cityloop.demo.simulate import simulate
    from cityloop.dispatch import suggest
    from cityloop.intake.services import ticket_intake
    from cityloop.organisation.choices import Role, UnitKind
    from cityloop.organisation.models import Area, Membership, Unit
    from cityloop.tickets.models import Ticket
    from cityloop.tickets.services import TicketInput, ticket_create

    call_command("migrate", verbosity=0)
    simulate(seed=3, tickets=args.history, days=365)
    for pk, lat, lon in list(Ticket.objects.values_list("pk", "latitude", "longitude")):
        Ticket.objects.filter(pk=pk).update(cell=Ticket.cell_of(lat, lon))  # the generator leaves cells empty
    knowledge_load_demo()
    call_command("classifier", "retrain", "--out", str(folder / "category-v1"), "--activate",
                 verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    user = get_user_model().objects.create_user("bench-dispatcher", "d@example.org", "pw")
    centre = Unit.objects.filter(kind=UnitKind.CENTRE).first()
    city = Area.objects.filter(parent__isnull=True).first()
    Membership.objects.create(user=user, unit=centre, role=Role.DISPATCHER, scope=city)
    suggest.ASYNC_BUILD = False
    rng = random.Random(5)
    samples = list(Ticket.objects.order_by("?").values_list("title", "description", "latitude", "longitude",
                                                            "ticket_type")[:args.n * 2])

    def data(i: int) -> TicketInput:
        title, description, lat, lon, kind = samples[i % len(samples)]
        return TicketInput(channel="phone", ticket_type=kind, title=title, description=description,
                           citizen_phone=f"138{rng.randrange(10**8):08d}", latitude=lat, longitude=lon)

    ticket_intake(actor=user, data=data(0), idempotency_key="warm-1")  # builds indexes and models
    ticket_create(actor=user, data=data(1), idempotency_key="warm-2")
    create, intake, auto = [], [], 0
    for i in range(args.n):
        started = time.perf_counter()
        ticket_create(actor=user, data=data(2 * i), idempotency_key=str(uuid.uuid4()))
        create.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        result = ticket_intake(actor=user, data=data(2 * i + 1), idempotency_key=str(uuid.uuid4()))
        intake.append((time.perf_counter() - started) * 1000)
        auto += bool(result.analysis and result.analysis.auto_dispatched)

    def p(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100)[q - 1]

    print(f"history {args.history} tickets; {args.n} calls each, interleaved; {auto} of the intakes auto-dispatched")
    print(f"ticket_create   median {statistics.median(create):6.1f} ms  p95 {p(create, 95):6.1f} ms")
    print(f"ticket_intake   median {statistics.median(intake):6.1f} ms  p95 {p(intake, 95):6.1f} ms")
    print(f"added by the pipeline: median {statistics.median(intake) - statistics.median(create):.1f} ms, "
          f"p95 {p(intake, 95) - p(create, 95):.1f} ms (target < 50 ms)")


if __name__ == "__main__":
    main()
