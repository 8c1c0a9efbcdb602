"""The analyst's overview page and the CSV of each of its charts."""

import csv
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from cityloop.analytics import selectors


def _gate(request: HttpRequest) -> selectors.Window:
    if not selectors.can_see_overview(request.user):
        raise PermissionDenied
    return selectors.overview_window()


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    window = _gate(request)
    daily = selectors.daily_volume(request.user, window)
    mix = selectors.status_mix(request.user, window)
    grids = selectors.grid_counts(request.user, window)
    context: dict[str, Any] = {
        "window": window, "total": sum(n for _day, n in daily), "daily": daily, "mix": mix, "grids": grids,
        "daily_data": {"dates": [f"{day:%m-%d}" for day, _n in daily], "counts": [n for _day, n in daily],
                       "name": _("Tickets received")},
        "mix_data": [{"name": label, "value": n} for _status, label, n in mix],
        "grid_data": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": grid["boundary"],
             "properties": {"name": grid["name"], "code": grid["code"], "count": grid["count"]}}
            for grid in grids]},
    }
    return render(request, "analytics/overview.html", context)


def _cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula is quoted (CSV injection)."""
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@login_required
def overview_csv(request: HttpRequest, dataset: str) -> HttpResponse:
    window = _gate(request)
    user = request.user
    if dataset == "daily":
        header = [_("date"), _("tickets")]
        rows: list[list[Any]] = [[day.isoformat(), n] for day, n in selectors.daily_volume(user, window)]
    elif dataset == "status":
        header = [_("status"), _("label"), _("tickets")]
        rows = [[status, label, n] for status, label, n in selectors.status_mix(user, window)]
    elif dataset == "grids":
        header = [_("grid code"), _("grid"), _("tickets")]
        rows = [[grid["code"], grid["name"], grid["count"]] for grid in selectors.grid_counts(user, window)]
    else:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"cityloop-{dataset}-{window.first_day:%Y%m%d}-{window.last_day:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # so that spreadsheet programs read the Chinese text as UTF-8
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([[_cell(value) for value in row] for row in rows])
    return response
