"""The analyst's overview page and the CSV of each of its charts."""

import csv
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cityloop.analytics import selectors, services
from cityloop.analytics.models import WarningStatus
from cityloop.core.errors import ApplicationError, NotFound
from cityloop.organisation.models import Unit


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


# ---------------------------------------------------------------------------------------------- 城市大脑
@login_required
def brain(request: HttpRequest) -> HttpResponse:
    _gate(request)
    return render(request, "analytics/brain.html", {"data": selectors.brain_data(request.user),
                                                    "datasets": BRAIN_DATASETS})


@login_required
def brain_json(request: HttpRequest) -> JsonResponse:
    _gate(request)
    return JsonResponse(selectors.brain_data(request.user), json_dumps_params={"ensure_ascii": False})


BRAIN_DATASETS = ("daily", "categories", "grids", "rates", "warnings")


@login_required
def brain_csv(request: HttpRequest, dataset: str) -> HttpResponse:
    _gate(request)
    if dataset not in BRAIN_DATASETS:
        raise Http404
    data = selectors.brain_data(request.user)
    if dataset == "grids":
        rows = [{k: v for k, v in f["properties"].items() if k != "warnings"} | {"warnings": len(
            f["properties"]["warnings"])} for f in data["grids"]["features"]]
    else:
        rows = data[dataset]
    header = list(rows[0]) if rows else ["empty"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cityloop-brain-{dataset}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([[_cell(row.get(k)) for k in header] for row in rows])
    return response


# ---------------------------------------------------------------------------------------------- warnings
@login_required
def warning_list(request: HttpRequest) -> HttpResponse:
    _gate(request)
    warnings = selectors.warnings_for(request.user).order_by("-day", "-significance")
    status = request.GET.get("status", "")
    if status:
        warnings = warnings.filter(status=status)
    return render(request, "analytics/warning_list.html", {"warnings": warnings[:200], "status": status,
                                                           "statuses": WarningStatus.choices})


@login_required
def warning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _gate(request)
    warning = selectors.warnings_for(request.user).filter(pk=pk).first()
    if warning is None:
        raise Http404
    error, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "acknowledge":
                services.warning_acknowledge(actor=request.user, warning_id=pk, note=request.POST.get("note", ""))
            elif action == "dismiss":
                services.warning_dismiss(actor=request.user, warning_id=pk, reason=request.POST.get("reason", ""))
            elif action == "task":
                services.warning_task(actor=request.user, warning_id=pk, unit_id=int(request.POST.get("unit") or 0),
                                      note=request.POST.get("note", ""),
                                      ticket_type=request.POST.get("ticket_type", "report"))
            elif action == "measure":
                services.warning_measure_effect(actor=request.user, warning_id=pk,
                                                weeks=int(request.POST.get("weeks") or 4))
            else:
                raise Http404
            return redirect("analytics:warning", pk=pk)
        except NotFound:
            raise Http404 from None
        except (ApplicationError, ValueError) as exc:
            # the page again with the refusal; one for lack of rights answers 403, as every refused right does
            error, status = str(exc), 403 if getattr(exc, "status", None) == 403 else 200
    daily = warning.evidence.get("daily", [])
    area = warning.area
    context = {
        "warning": warning, "error": error, "tickets": selectors.warning_evidence(request.user, warning),
        "chart": {"dates": [d.get("day") or d.get("week_ending") for d in daily],
                  "observed": [d.get("observed") for d in daily], "expected": [d.get("expected") for d in daily],
                  "observed_name": _("Observed"), "expected_name": _("Expected")},
        "area_geo": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": area.boundary, "properties": {"name": area.name, "count": 1}}]}
        if area is not None and area.boundary else None,
        "units": Unit.objects.order_by("name").values_list("pk", "name"),
    }
    return render(request, "analytics/warning_detail.html", context, status=status)
