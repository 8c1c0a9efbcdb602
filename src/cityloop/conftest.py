"""Fixtures shared by every app's tests: a small city with one unit of each kind and a person per role."""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from cityloop.intelligence.knowledge import reset_knowledge_index
from cityloop.organisation.choices import AreaKind, Role, UnitKind
from cityloop.organisation.geo import reset_grid_index
from cityloop.organisation.models import Area, Membership, Unit
from cityloop.organisation.places import reset_place_index
from cityloop.security.services import api_token_create
from cityloop.tickets.calendar import reset_working_calendar
from cityloop.tickets.defaults import calendar_seed, time_limits_seed
from cityloop.tickets.models import Category
from cityloop.tickets.sla import reset_time_limits


@pytest.fixture(autouse=True)
def _english_outside_requests() -> Iterator[None]:
    """Service and command messages in English, so that tests read the English msgids; every request still
    chooses its own language in the middleware (Chinese unless the person or client asked otherwise)."""
    with translation.override("en"):
        yield


def square(lon: float, lat: float, size: float = 0.01) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size],
                                                [lon, lat + size], [lon, lat]]]}


@dataclass
class World:
    city: Area
    district: Area
    street: Area
    community: Area
    grid: Area
    other_grid: Area
    centre: Unit
    department: Unit
    other_department: Unit
    street_office: Unit
    category: Category
    users: dict[str, Any]

    def client(self, username: str, language: str = "zh-hans") -> Client:
        """An API client authenticated with a bearer token, as API clients are."""
        _, key = api_token_create(user=self.users[username], name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE=language)


@pytest.fixture
def world(db: Any) -> World:
    # per-process caches of tables that each test fills anew
    reset_working_calendar()
    reset_grid_index()
    reset_place_index()
    reset_knowledge_index()
    reset_time_limits()
    calendar_seed()
    city = Area.objects.create(kind=AreaKind.CITY, code="C", name="临江市", latitude=30.6, longitude=114.3)
    district = Area.objects.create(kind=AreaKind.DISTRICT, code="C-D1", name="江北区", parent=city)
    street = Area.objects.create(kind=AreaKind.STREET, code="C-D1-S1", name="滨江街道", parent=district)
    community = Area.objects.create(kind=AreaKind.COMMUNITY, code="C-D1-S1-C1", name="望江社区", parent=street)
    grid = Area.objects.create(kind=AreaKind.GRID, code="G1", name="望江一网格", parent=community,
                               boundary=square(114.30, 30.60), latitude=30.605, longitude=114.305)
    other_street = Area.objects.create(kind=AreaKind.STREET, code="C-D1-S2", name="江岸街道", parent=district)
    other_community = Area.objects.create(kind=AreaKind.COMMUNITY, code="C-D1-S2-C1", name="江岸社区",
                                          parent=other_street)
    other_grid = Area.objects.create(kind=AreaKind.GRID, code="G2", name="江岸一网格", parent=other_community,
                                     boundary=square(114.32, 30.60), latitude=30.605, longitude=114.325)
    centre = Unit.objects.create(kind=UnitKind.CENTRE, code="U-12345", name="12345热线中心", area=city)
    department = Unit.objects.create(kind=UnitKind.DEPARTMENT, code="U-CG", name="城管局", area=city)
    other_department = Unit.objects.create(kind=UnitKind.DEPARTMENT, code="U-ZJ", name="住建局", area=city)
    street_office = Unit.objects.create(kind=UnitKind.STREET_OFFICE, code="U-S1", name="滨江街道办", area=street)
    top = Category.objects.create(code="01", name="城乡建设", level=1)
    category = Category.objects.create(code="0101", name="市容环卫", level=2, parent=top)
    time_limits_seed()

    user_model = get_user_model()
    users: dict[str, Any] = {}
    roles = [("operator", Role.OPERATOR, centre, city), ("dispatcher", Role.DISPATCHER, centre, city),
             ("handler", Role.HANDLER, department, city), ("other_handler", Role.HANDLER, other_department, city),
             ("street", Role.HANDLER, street_office, street), ("supervisor", Role.SUPERVISOR, centre, city),
             ("analyst", Role.ANALYST, centre, city), ("street_supervisor", Role.SUPERVISOR, street_office, street),
             ("admin", Role.ADMIN, centre, city)]
    for username, role, unit, scope in roles:
        users[username] = user_model.objects.create_user(username, f"{username}@example.org", "pw")
        Membership.objects.create(user=users[username], unit=unit, role=role, scope=scope)
    users["citizen"] = user_model.objects.create_user("citizen", "citizen@example.org", "pw")
    users["other_citizen"] = user_model.objects.create_user("other_citizen", "other@example.org", "pw")
    return World(city, district, street, community, grid, other_grid, centre, department, other_department,
                 street_office, category, users)


# Browser tests: Debian's Chromium driven by Playwright, allowed to talk to 127.0.0.1 only.
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium fonts-wqy-microhei)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the database calls the tests make
    # alongside it are still synchronous, so Django's guard would be a false alarm here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield browser
        browser.close()


@dataclass
class BrowserPage:
    """A page plus what a browser test checks throughout: no request leaves the machine, pages are saved."""

    page: Any
    base_url: str
    outside: list[str]

    def go(self, path: str) -> Any:
        return self.page.goto(self.base_url + path)

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def sign_in(self, username: str, password: str = "pw") -> None:  # noqa: S107 - the test fixture password
        self.go("/accounts/login/")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(password)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")


@pytest.fixture
def browser_page(browser: Any, live_server: Any) -> Iterator[BrowserPage]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    outside: list[str] = []

    def check(request: Any) -> None:
        host = urlsplit(request.url).hostname or ""
        if request.url.startswith(("http:", "https:", "ws:", "wss:")) and host not in {"127.0.0.1", "localhost"}:
            outside.append(request.url)

    page.on("request", check)
    yield BrowserPage(page, live_server.url, outside)
    context.close()
    assert outside == [], f"the browser requested addresses outside this machine: {outside}"
