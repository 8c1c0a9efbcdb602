"""The demo city's planted hotspots are found by `cityloop analyse` and shown on the 城市大脑 screen."""

import datetime as dt
from io import StringIO
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from cityloop.analytics.models import Warning, WarningKind
from cityloop.core import clock
from cityloop.demo.simulate import simulate
from cityloop.organisation.geo import reset_grid_index
from cityloop.tickets.calendar import reset_working_calendar

END = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)


def test_planted_burst_found_and_shown(db: Any) -> None:
    reset_working_calendar()
    reset_grid_index()
    with clock.frozen_at(END):
        result = simulate(seed=7, tickets=600, days=150, grids=12, end=END)
    reset_grid_index()
    burst = next(h for h in result.hotspots if h["kind"] == "burst")
    out = StringIO()
    with clock.frozen_at(END):
        call_command("analyse", "--date", burst["to"], "--eval-days", "14", stdout=out)
        call_command("analyse", "--date", burst["to"], "--eval-days", "14", stdout=StringIO())  # idempotent
    found = Warning.objects.filter(kind=WarningKind.CONCENTRATED, category__code=burst["category"],
                                   area__code=burst["grid"])
    assert found.count() == 1, out.getvalue()
    warning = found.get()
    assert warning.observed >= 3
    assert warning.observed > 3 * warning.expected
    # Few false alarms elsewhere in a 12-grid city.
    assert Warning.objects.exclude(pk=warning.pk).filter(kind=WarningKind.CONCENTRATED).count() <= 2

    client = Client()
    client.force_login(get_user_model().objects.get(username="analyst"))
    with clock.frozen_at(END):
        page = client.get(reverse("analytics:brain"))
        data = client.get(reverse("analytics:brain_json")).json()
        detail = client.get(reverse("analytics:warning", args=[warning.pk]))
        csv = client.get(reverse("analytics:brain_csv", args=["warnings"]))
    assert page.status_code == 200
    assert warning.title in page.content.decode()
    assert warning.pk in [w["id"] for w in data["warnings"]]
    warned = [f["properties"]["code"] for f in data["grids"]["features"] if f["properties"]["warnings"]]
    assert burst["grid"] in warned
    assert detail.status_code == 200
    assert warning.title in csv.content.decode("utf-8-sig")
