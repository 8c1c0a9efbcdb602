"""`cityloop analyse` finds concentrated risks with the space-time scan: a cluster spread over two neighbouring
grids, too weak in either grid alone for the per-grid test, is one warning with both grids and their tickets."""

from __future__ import annotations

import dataclasses
import datetime as dt
from io import StringIO
from typing import Any

import numpy as np
from django.core.management import call_command

from cityloop.analytics.analysis import find
from cityloop.analytics.counts import daily_counts, local_midnight
from cityloop.analytics.models import Warning, WarningKind
from cityloop.organisation.choices import AreaKind
from cityloop.organisation.models import Area
from cityloop.tickets.models import Ticket

DAY = dt.date(2026, 5, 31)
DAYS = 120


def _city(world: Any) -> tuple[list[Area], list[int]]:
    """Eight grids 500 m apart along a road; 0.5 tickets a day in each, and in the last three days two more a
    day in each of the two middle grids. Returns the grids and the cluster's ticket ids."""
    grids = [Area.objects.create(kind=AreaKind.GRID, code=f"R{i}", name=f"沿江{i}号网格", parent=world.community,
                                 latitude=30.60, longitude=114.30 + 0.005 * i) for i in range(8)]
    rng = np.random.default_rng(5)
    rows, cluster = [], []
    for k in range(DAYS):
        day = DAY - dt.timedelta(days=DAYS - 1 - k)
        for i, grid in enumerate(grids):
            extra = 2 if k >= DAYS - 3 and i in (3, 4) else 0
            for j in range(int(rng.poisson(0.5)) + extra):
                rows.append(Ticket(channel="phone", ticket_type="complaint", title="路面破损", description="路面破损",
                                   category=world.category, area=grid, area_path=grid.path,
                                   created_at=local_midnight(day) + dt.timedelta(hours=9, minutes=j)))
                if extra and j < extra:
                    cluster.append(len(rows) - 1)
    created = Ticket.objects.bulk_create(rows)
    return grids, [created[i].pk for i in cluster]


def test_cluster_over_two_grids_is_one_scan_warning(world: Any) -> None:
    grids, cluster = _city(world)
    counts = daily_counts(DAY - dt.timedelta(days=DAYS - 1), DAY)
    unlocated = dataclasses.replace(counts, grids=dataclasses.replace(
        counts.grids, xy=np.full_like(counts.grids.xy, np.nan)))
    assert not [f for f in find(unlocated) if f.kind == "concentrated"]  # per grid: too weak to tell

    call_command("analyse", "--date", DAY.isoformat(), "--history-days", "110", stdout=StringIO())
    found = Warning.objects.filter(kind=WarningKind.CONCENTRATED)
    assert found.count() == 1
    warning = found.get()
    members = {g["id"] for g in warning.evidence["grids"]}
    assert {grids[3].pk, grids[4].pk} <= members
    assert len(members) <= 4
    assert warning.area_id in (grids[3].pk, grids[4].pk)
    assert set(cluster) <= set(warning.evidence["tickets"])
    assert warning.window_end == DAY
    assert warning.observed >= 12
    assert warning.observed > 2 * warning.expected
