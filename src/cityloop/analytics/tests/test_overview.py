"""The analyst's overview: gate, figures with known answers, scope, and the CSV of each chart."""

import csv
import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cityloop.conftest import World
from cityloop.core import clock
from cityloop.organisation.choices import AreaKind
from cityloop.organisation.models import Area
from cityloop.tickets.models import Ticket
from cityloop.tickets.tests.flows import drive, new_ticket


def signed_in(world: World, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    client.cookies["django_language"] = "en"
    return client


@pytest.mark.parametrize(("username", "expected"), [
    ("analyst", 200), ("supervisor", 200), ("street_supervisor", 200), ("admin", 200),
    ("handler", 403), ("operator", 403), ("dispatcher", 403), ("citizen", 403),
])
def test_gate(world: World, username: str, expected: int) -> None:
    client = signed_in(world, username)
    assert client.get("/analysis/overview/").status_code == expected
    assert client.get("/analysis/overview/daily.csv").status_code == expected


def test_anonymous_goes_to_sign_in(world: World) -> None:
    for url in ("/analysis/overview/", "/analysis/overview/grids.csv"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def days_ago(n: int) -> dt.datetime:
    """Noon (local time) n days ago: far from any day boundary."""
    noon = timezone.localtime(clock.now()).replace(hour=12, minute=0, second=0, microsecond=0)
    return noon - dt.timedelta(days=n)


def ticket_at(world: World, when: dt.datetime, area: Area, state: str = "received") -> Ticket:
    with clock.frozen_at(when):
        ticket = drive(world, new_ticket(world, description="路灯坏了。"), state)
    Ticket.objects.filter(pk=ticket.pk).update(area=area, area_path=area.path)  # where it is, exactly
    return ticket


@pytest.fixture
def history(world: World) -> World:
    building = Area.objects.create(kind=AreaKind.BUILDING, code="G1-B3", name="3栋", parent=world.grid)
    ticket_at(world, days_ago(1), world.grid)
    ticket_at(world, days_ago(1), world.grid)
    ticket_at(world, days_ago(1), building)
    ticket_at(world, days_ago(3), world.other_grid, "dispatched")
    ticket_at(world, days_ago(40), world.grid)  # before the window
    return world


def test_figures_with_known_answers(history: World) -> None:
    response = signed_in(history, "analyst").get("/analysis/overview/")
    assert response.status_code == 200
    context = response.context
    assert context["total"] == 4
    daily = dict(context["daily"])
    assert len(daily) == 30
    assert daily[days_ago(1).date()] == 3
    assert daily[days_ago(3).date()] == 1
    assert sum(daily.values()) == 4
    assert [(status, n) for status, _label, n in context["mix"]] == [("received", 3), ("dispatched", 1)]
    assert {grid["code"]: grid["count"] for grid in context["grids"]} == {"G1": 3, "G2": 1}

    page = response.content.decode()
    for name in ("daily-data", "status-data", "grid-data"):
        assert f'<script id="{name}" type="application/json">' in page
    grid_data = json.loads(re.search(r'<script id="grid-data" type="application/json">(.*?)</script>',
                                     page).group(1))  # type: ignore[union-attr]
    assert [f["properties"]["count"] for f in grid_data["features"]] == [3, 1]
    assert grid_data["features"][0]["geometry"]["type"] == "Polygon"
    assert "/static/vendor/echarts/echarts.min.js" in page
    assert "/static/vendor/leaflet/leaflet.js" in page
    assert "http://" not in page.replace("http://www.w3.org", "")  # nothing from outside
    for dataset in ("daily", "status", "grids"):
        assert f'href="/analysis/overview/{dataset}.csv"' in page


def test_scope_of_a_street_supervisor(history: World) -> None:
    context = signed_in(history, "street_supervisor").get("/analysis/overview/").context
    assert context["total"] == 3
    assert {grid["code"]: grid["count"] for grid in context["grids"]} == {"G1": 3}


def csv_rows(response: Any) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_downloads(history: World) -> None:
    client = signed_in(history, "analyst")
    daily = client.get("/analysis/overview/daily.csv")
    assert daily["Content-Type"] == "text/csv; charset=utf-8"
    assert daily["Content-Disposition"].startswith('attachment; filename="cityloop-daily-')
    rows = csv_rows(daily)
    assert rows[0] == ["date", "tickets"]
    assert len(rows) == 31
    assert [days_ago(1).date().isoformat(), "3"] in rows
    assert rows[-1] == [timezone.localtime(clock.now()).date().isoformat(), "0"]

    assert csv_rows(client.get("/analysis/overview/status.csv")) == [
        ["status", "label", "tickets"], ["received", "Received", "3"], ["dispatched", "Dispatched", "1"]]
    assert csv_rows(client.get("/analysis/overview/grids.csv")) == [
        ["grid code", "grid", "tickets"], ["G1", "望江一网格", "3"], ["G2", "江岸一网格", "1"]]
    assert client.get("/analysis/overview/other.csv").status_code == 404


def test_csv_cells_are_not_formulas(history: World) -> None:
    Area.objects.filter(pk=history.grid.pk).update(name="=HYPERLINK(\"x\")")
    rows = csv_rows(signed_in(history, "analyst").get("/analysis/overview/grids.csv"))
    assert rows[1][1].startswith("'=")


def test_query_count_bounded(world: World, django_assert_max_num_queries: Any) -> None:
    for i in range(30):
        ticket_at(world, days_ago(i % 7), [world.grid, world.other_grid][i % 2])
    client = signed_in(world, "analyst")
    with django_assert_max_num_queries(8):
        response = client.get("/analysis/overview/")
    assert response.context["total"] == 30


@pytest.mark.django_db(transaction=True)
def test_overview_in_a_browser(world: World, browser_page: Any) -> None:
    ticket_at(world, days_ago(1), world.grid)
    ticket_at(world, days_ago(2), world.other_grid, "dispatched")
    errors: list[str] = []
    page = browser_page.page
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    browser_page.sign_in("analyst")
    page.wait_for_url("**/analysis/overview/")
    assert page.locator("#chart-daily canvas").count() == 1  # ECharts drew
    assert page.locator("#chart-status canvas").count() == 1
    assert page.locator("#grid-map path.leaflet-interactive").count() == 2  # one polygon per grid, no tiles
    assert page.locator("#grid-map img.leaflet-tile").count() == 0
    browser_page.shot("analytics-overview")
    assert errors == []
