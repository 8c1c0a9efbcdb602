"""What the analysis reads from the tickets, columnar: daily counts by category x grid (one `values_list` into
numpy, no per-ticket ORM work) and the texts of a period for the emerging topics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db.models.functions import Substr
from django.utils import timezone

from cityloop.analytics.novelty import Doc
from cityloop.intelligence.classification.text import DETAIL_FEATURE_CHARS
from cityloop.organisation.choices import AreaKind
from cityloop.organisation.models import Area
from cityloop.tickets.choices import Channel, Status
from cityloop.tickets.models import Ticket


@dataclass
class Grids:
    ids: np.ndarray  # (G,) Area pk
    paths: list[str]
    names: list[str]
    street: np.ndarray  # (G,) index into street_ids, -1 when the grid is outside any street
    street_ids: list[int]
    xy: np.ndarray  # (G, 2) longitude, latitude (NaN when unknown)


@dataclass
class DailyCounts:
    first_day: dt.date
    cube: np.ndarray  # (C, G, T) tickets per category, grid, day
    category_ids: list[int]
    grids: Grids

    @property
    def days(self) -> int:
        return int(self.cube.shape[2])

    def day(self, t: int) -> dt.date:
        return self.first_day + dt.timedelta(days=t)


def load_grids() -> Grids:
    areas = list(Area.objects.filter(kind__in=[AreaKind.GRID, AreaKind.STREET]).order_by("path")
                 .values_list("pk", "kind", "path", "name", "latitude", "longitude"))
    streets = [(pk, path) for pk, kind, path, *_rest in areas if kind == AreaKind.STREET]
    grids = [a for a in areas if a[1] == AreaKind.GRID]
    street_of = []
    for _pk, _kind, path, *_rest in grids:
        street_of.append(next((i for i, (_s, sp) in enumerate(streets) if path.startswith(sp)), -1))
    return Grids(
        ids=np.array([g[0] for g in grids], dtype=np.int64), paths=[g[2] for g in grids], names=[g[3] for g in grids],
        street=np.array(street_of, dtype=np.int64), street_ids=[s for s, _p in streets],
        xy=np.array([[g[5] if g[5] is not None else np.nan, g[4] if g[4] is not None else np.nan] for g in grids],
                    dtype=float).reshape(-1, 2))


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


def daily_counts(first_day: dt.date, last_day: dt.date, grids: Grids | None = None) -> DailyCounts:
    """Tickets received per local day in [first_day, last_day] by category and grid (tickets without a
    category or outside every grid are left out)."""
    grids = grids or load_grids()
    start, end = local_midnight(first_day), local_midnight(last_day + dt.timedelta(days=1))
    rows = list(Ticket.objects.filter(created_at__gte=start, created_at__lt=end, category__isnull=False)
                .order_by().values_list("created_at", "category_id", "area_path"))
    T = (last_day - first_day).days + 1
    if not rows:
        return DailyCounts(first_day, np.zeros((0, len(grids.ids), T), dtype=np.int32), [], grids)
    created, cats, paths = zip(*rows, strict=True)
    offset = start.utcoffset() or dt.timedelta(0)  # the platform's zone (Asia/Shanghai) has no summer time
    epoch = np.array([c.timestamp() for c in created]) + offset.total_seconds()
    day0 = dt.datetime.combine(first_day, dt.time.min, tzinfo=dt.UTC).timestamp()
    t = np.floor((epoch - day0) / 86400).astype(np.int64)
    grid_of_path = {}
    for path in set(paths):  # one lookup per distinct location, not per ticket
        grid_of_path[path] = next((i for i, gp in enumerate(grids.paths) if path.startswith(gp)), -1)
    g = np.array([grid_of_path[p] for p in paths], dtype=np.int64)
    category_ids, c = np.unique(np.array(cats, dtype=np.int64), return_inverse=True)
    keep = (g >= 0) & (t >= 0) & (t < T)
    cube = np.zeros((len(category_ids), len(grids.ids), T), dtype=np.int32)
    np.add.at(cube, (c[keep], g[keep], t[keep]), 1)
    return DailyCounts(first_day, cube, [int(x) for x in category_ids], grids)


def ticket_docs(first_day: dt.date, last_day: dt.date) -> list[Doc]:
    """The citizens' tickets received in [first_day, last_day] as texts: proactive tasks (channel "analysis")
    and invalid ones are not demands; only the start of a description is read, as the text features use it."""
    start, end = local_midnight(first_day), local_midnight(last_day + dt.timedelta(days=1))
    rows = (Ticket.objects.filter(created_at__gte=start, created_at__lt=end)
            .exclude(channel=Channel.ANALYSIS).exclude(status=Status.INVALID).order_by()
            .annotate(head=Substr("description", 1, DETAIL_FEATURE_CHARS))
            .values_list("pk", "created_at", "title", "head", "category_id", "area_path"))
    return [Doc(pk, timezone.localtime(created).date(), title, head, category_id, path)
            for pk, created, title, head, category_id, path in rows.iterator(chunk_size=5000)]
