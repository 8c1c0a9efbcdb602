"""Dispatch suggestion on the demo city's simulated history: top-1/top-3 accuracy and automatic dispatch.

A temporary SQLite database is migrated and filled by the demo generator (`simulate`, seed 7, TICKETS tickets
over 730 days). Time split: the closed tickets created in the last 20 % of the period are the test set; the
model (dispatch.suggest.DispatchModel) learns only from tickets closed before the first test ticket was created,
and the returns recorded before it. The right answer is the ticket's final handling unit. Baseline in the same
run: the most frequent final unit of the ticket's category in the training history (the catalogue a centre
would write from its own records).

Run: .venv/bin/python benchmarks/dispatch/bench_dispatch.py [--tickets 25000]
"""

import argparse
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=25_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cityloop-dispatch-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'db.sqlite3'}"
    os.environ["CITYLOOP_DATA_DIR"] = str(folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityloop.config.settings.base")
    import django

    django.setup()
    from django.core.management import call_command

    from cityloop.demo.simulate import simulate
    from cityloop.dispatch.suggest import DispatchModel, Query, _text, components, history_examples, history_returns
    from cityloop.tickets.choices import Status
    from cityloop.tickets.models import Ticket

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    simulate(seed=7, tickets=args.tickets, days=730)
    print(f"simulated {Ticket.objects.count()} tickets in {time.perf_counter() - started:.0f} s")
    first, last = (Ticket.objects.order_by("created_at").values_list("created_at", flat=True).first(),
                   Ticket.objects.order_by("-created_at").values_list("created_at", flat=True).first())
    assert first is not None
    assert last is not None
    split = first + (last - first) * 0.8
    started = time.perf_counter()
    examples = history_examples(before=split)
    model = DispatchModel.fit(examples, history_returns(before=split))
    print(f"trained on {len(examples)} closed tickets in {time.perf_counter() - started:.1f} s; "
          f"auto-dispatch threshold {model.threshold:.3f}")
    test = list(Ticket.objects.filter(created_at__gte=split, status=Status.CLOSED, unit__isnull=False,
                                      category__isnull=False)
                .values_list("category__path", "area_path", "title", "description", "unit_id"))
    queries = [Query(components(c), components(a), _text(t, d)) for c, a, t, d, _ in test]
    truth = [u for *_, u in test]
    started = time.perf_counter()
    advice = model.advise_many(queries)
    per_ticket = (time.perf_counter() - started) / max(len(queries), 1) * 1000
    top1 = sum(a.units[:1] != [] and a.units[0].unit_id == t for a, t in zip(advice, truth, strict=True))
    top3 = sum(t in [u.unit_id for u in a.units] for a, t in zip(advice, truth, strict=True))
    auto = [(a.units[0].unit_id == t) for a, t in zip(advice, truth, strict=True) if a.automatic]
    by_category: dict[tuple[str, ...], Counter[int]] = defaultdict(Counter)
    for e in examples:
        by_category[e.category][e.unit_id] += 1
    base = sum(bool(by_category[q.category]) and by_category[q.category].most_common(1)[0][0] == t
               for q, t in zip(queries, truth, strict=True))
    n = len(test)
    print(f"test tickets: {n} (created in the last 20 % of the period)")
    print(f"baseline (category's most frequent unit)  top-1 {base / n:.4f}")
    print(f"suggestion                                top-1 {top1 / n:.4f}  top-3 {top3 / n:.4f}  "
          f"({per_ticket:.2f} ms/ticket batched)")
    precision = sum(auto) / len(auto) if auto else float("nan")
    print(f"automatic dispatch at threshold {model.threshold:.3f}: precision {precision:.4f}  "
          f"share dispatched automatically {len(auto) / n:.4f}  (target precision 0.95)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
