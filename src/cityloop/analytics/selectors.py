"""The analyst's overview of the last 30 days: volume per day, status mix, tickets per grid.

Every figure is an ORM aggregate over the tickets the user may view (`visible_to`), never a per-ticket loop.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from cityloop.core import clock
from cityloop.organisation.choices import AreaKind, Role
from cityloop.organisation.models import Area
from cityloop.security import grants as g
from cityloop.security.access import grants_for, memberships_of, visible_to
from cityloop.tickets.choices import Status
from cityloop.tickets.models import Ticket

OVERVIEW_DAYS = 30
OVERVIEW_ROLES = frozenset({Role.ANALYST, Role.SUPERVISOR, Role.ADMIN})


def can_see_overview(user: Any) -> bool:
    """Analysts, supervisors and administrators who may view tickets somewhere."""
    return (any(m.role in OVERVIEW_ROLES for m in memberships_of(user))
            and not grants_for(user, g.VIEW).empty)


@dataclass(frozen=True)
class Window:
    first_day: dt.date
    last_day: dt.date
    start: dt.datetime  # local midnight of the first day

    @property
    def days(self) -> list[dt.date]:
        return [self.first_day + dt.timedelta(days=i) for i in range((self.last_day - self.first_day).days + 1)]


def overview_window(now: dt.datetime | None = None, days: int = OVERVIEW_DAYS) -> Window:
    """The last `days` calendar days, today included, in the platform's time zone."""
    today = timezone.localtime(now or clock.now()).date()
    first = today - dt.timedelta(days=days - 1)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min), timezone.get_current_timezone())
    return Window(first, today, start)


def _received(user: Any, window: Window) -> QuerySet[Ticket]:
    return visible_to(user, g.VIEW, Ticket.objects.filter(created_at__gte=window.start))


def daily_volume(user: Any, window: Window) -> list[tuple[dt.date, int]]:
    """Tickets received per day, every day of the window (zero where none).

    One conditional count per local day, in one query: plain range comparisons the database evaluates itself
    (truncating to a date in the local time zone is a Python function per row on SQLite).
    """
    tz = timezone.get_current_timezone()
    starts = [timezone.make_aware(dt.datetime.combine(day, dt.time.min), tz)
              for day in [*window.days, window.last_day + dt.timedelta(days=1)]]
    counts = _received(user, window).aggregate(**{
        f"d{i}": Count("pk", filter=Q(created_at__gte=starts[i], created_at__lt=starts[i + 1]))
        for i in range(len(window.days))})
    return [(day, counts[f"d{i}"]) for i, day in enumerate(window.days)]


def status_mix(user: Any, window: Window) -> list[tuple[str, str, int]]:
    """(status, label, count) of the tickets received in the window, in workflow order, empty statuses left out."""
    counts = dict(_received(user, window).order_by().values_list("status").annotate(n=Count("pk")))
    return [(status.value, str(status.label), counts[status.value]) for status in Status if counts.get(status.value)]


def grid_counts(user: Any, window: Window) -> list[dict[str, Any]]:
    """Tickets received in the window per grid (including those located below a grid, in a building), for the
    grids in the user's area scopes and any other grid holding tickets the user may view."""
    per_path = dict(_received(user, window).order_by().values_list("area_path").annotate(n=Count("pk")))
    area_paths = grants_for(user, g.VIEW).area_paths
    grids = list(Area.objects.filter(kind=AreaKind.GRID, boundary__isnull=False).order_by("path")
                 .values("pk", "code", "name", "path", "boundary"))
    by_path = {grid["path"]: grid for grid in grids}
    counts = dict.fromkeys(by_path, 0)
    for path, n in per_path.items():  # one row per distinct location, not per ticket
        parts = path.split("/")[:-1]
        for depth in range(len(parts), 0, -1):
            prefix = "/".join(parts[:depth]) + "/"
            if prefix in counts:
                counts[prefix] += n
                break
    return [{"id": grid["pk"], "code": grid["code"], "name": grid["name"], "boundary": grid["boundary"],
             "count": counts[grid["path"]]}
            for grid in grids
            if counts[grid["path"]] or any(grid["path"].startswith(p) for p in area_paths)]


# ---------------------------------------------------------------------------------------------- warnings
def warnings_for(user: Any) -> QuerySet[Any]:
    """The warnings in the user's area scopes (the area the warning is about lies in one of them)."""
    from cityloop.analytics.models import Warning

    paths = grants_for(user, g.VIEW).area_paths
    if not paths:
        return Warning.objects.none()
    scope = Q()
    for path in paths:
        scope |= Q(area_path__startswith=path)
    return Warning.objects.filter(scope).select_related("category", "area", "task")


def warning_evidence(user: Any, warning: Any) -> list[Ticket]:
    """The warning's tickets that the user may view (masked like any ticket list)."""
    ids = warning.evidence.get("tickets", [])[:50]
    return list(visible_to(user, g.VIEW, Ticket.objects.filter(pk__in=ids)).order_by("-created_at")
                .only("pk", "number", "title", "created_at", "status"))


# ---------------------------------------------------------------------------------------------- 城市大脑
def brain_data(user: Any, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the "城市大脑" screen shows, as plain data (also served as JSON for its refresh)."""
    from cityloop.analytics.models import WarningStatus

    window = overview_window(now)
    daily = daily_volume(user, window)
    grids = grid_counts(user, window)
    warnings = list(warnings_for(user).exclude(status=WarningStatus.DISMISSED).order_by("-day", "-significance")[:20])
    warned_areas: dict[int, list[str]] = {}
    for w in warnings:
        if w.area_id is not None:
            warned_areas.setdefault(w.area_id, []).append(w.title)
    grid_paths = {grid["id"]: None for grid in grids}
    area_path = dict(Area.objects.filter(pk__in=list(warned_areas)).values_list("pk", "path"))
    grid_path = dict(Area.objects.filter(pk__in=list(grid_paths)).values_list("pk", "path"))
    features = []
    for grid in grids:
        path = grid_path.get(grid["id"], "")
        alerts = [t for area_id, titles in warned_areas.items() for t in titles
                  if path.startswith(area_path.get(area_id, "\0")) or area_path.get(area_id, "").startswith(path)]
        features.append({"type": "Feature", "geometry": grid["boundary"],
                         "properties": {"name": grid["name"], "code": grid["code"], "count": grid["count"],
                                        "warnings": alerts[:5]}})
    categories = list(_received(user, window).filter(category__isnull=False).order_by()
                      .values_list("category__name").annotate(n=Count("pk")).order_by("-n")[:8])
    rates: list[dict[str, Any]] = []
    try:
        from cityloop.assessment.selectors import unit_rates

        for r in unit_rates(user, now=now)[:15]:
            rates.append({"unit": r.unit_name, "response": _pct(r.responded, r.dispatched),
                          "resolution": _pct(r.resolved, r.called_back),
                          "satisfaction": _pct(r.satisfied, r.called_back)})
    except ImportError:  # pragma: no cover - the assessment app is optional
        pass
    return {
        "window": {"from": window.first_day.isoformat(), "to": window.last_day.isoformat()},
        "total": sum(n for _d, n in daily),
        "daily": [{"date": d.isoformat(), "tickets": n} for d, n in daily],
        "categories": [{"category": name, "tickets": n} for name, n in categories],
        "grids": {"type": "FeatureCollection", "features": features},
        "rates": rates,
        "warnings": [{"id": w.pk, "kind": w.kind, "kind_label": str(w.get_kind_display()), "title": w.title,
                      "day": w.day.isoformat(), "observed": w.observed, "expected": round(w.expected, 1),
                      "significance": round(w.significance, 1), "status": str(w.get_status_display())}
                     for w in warnings],
    }


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None
