"""Bursts on the public pages: one address far above its usual rate is flagged and, past the limit, refused;
steady traffic, from many addresses or from one busy address, is neither."""

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory

from cityloop.conftest import World
from cityloop.core import clock
from cityloop.security import bursts
from cityloop.security.models import SecurityAlert
from cityloop.tickets.models import Ticket

T = dt.datetime(2026, 11, 30, 2, 0, 5, tzinfo=dt.UTC)  # five seconds into a minute and into an hour
PORTAL = next(g for g in bursts.GROUPS if g.name == "portal")
PAGES = ("/portal/track/", "/portal/report/", "/portal/map/data.json", "/portal/map/")


@pytest.fixture
def counting(settings: Any) -> Iterator[None]:
    """The counters on (the test settings turn them off for every other test), from an empty cache."""
    settings.CITYLOOP = {**settings.CITYLOOP, "PUBLIC_BURSTS": True}
    cache.clear()
    yield
    cache.clear()


def test_a_burst_of_200_portal_requests_from_one_address_is_flagged_then_refused(
        world: World, counting: None, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")
    with clock.frozen_at(T), django_capture_on_commit_callbacks(execute=True):
        responses = [client.get(PAGES[n % len(PAGES)]) for n in range(200)]
    codes = [r.status_code for r in responses]
    assert codes[:150] == [200] * 150  # the limit is 150 a minute
    assert codes[150:] == [429] * 50
    page = next(r for r in responses[150:] if r["Content-Type"].startswith("text/html"))
    assert page["Retry-After"] == "55"
    assert "请求过于频繁" in page.content.decode() or "Too many requests" in page.content.decode()
    data = next(r for r in responses[150:] if r["Content-Type"].startswith("application/json"))
    assert data.json()["code"] == "throttled"

    alert = SecurityAlert.objects.get()
    assert (alert.kind, alert.address, alert.user, alert.day) == ("burst:portal", "203.0.113.9", None, T.date())
    # raised at the 51st request: five times the usual rate of an address without history (10 a minute)
    assert alert.evidence["threshold"] == 50
    assert alert.observed == 151  # raised to where the refusals began
    assert alert.evidence["refused_at"] == T.isoformat()
    # the evidence names the address's group and figures, and nothing a person wrote or is known by
    assert set(alert.evidence) == {"group", "window_seconds", "usual_per_minute", "threshold", "ceiling", "limit",
                                   "first_at", "view", "method", "refused_at"}
    assert [m.to for m in mailoutbox] == [["admin@example.org"]]
    assert "203.0.113.9" in mailoutbox[0].body


def test_a_refused_report_creates_nothing(world: World, counting: None) -> None:
    client = Client(REMOTE_ADDR="203.0.113.10")
    report = {"ticket_type": "complaint", "title": "路灯不亮", "description": "滨江路路灯不亮已经一周。",
              "citizen_phone": "13812345678"}
    with clock.frozen_at(T):
        for _ in range(PORTAL.limit):
            client.get("/portal/map/data.json")
        before = Ticket.objects.count()
        refused = client.post("/portal/report/", report)
    assert refused.status_code == 429
    assert Ticket.objects.count() == before


def test_steady_traffic_from_many_addresses_is_neither_flagged_nor_refused(world: World, counting: None) -> None:
    clients = [Client(REMOTE_ADDR=f"198.51.100.{n}") for n in range(1, 32)]
    codes = set()
    for minute in range(2):  # 31 citizens, five pages a minute each: 155 a minute in all, above one address's limit
        with clock.frozen_at(T + dt.timedelta(minutes=minute)):
            for client in clients:
                codes |= {client.get("/portal/track/").status_code for _ in range(5)}
    assert codes == {200}
    assert not SecurityAlert.objects.exists()


def test_a_busy_address_is_measured_against_its_own_usual_rate(world: World, counting: None) -> None:
    """An address that sent 40 requests a minute all the last hour may send 90 in a minute; a new one may not."""
    for minute in range(59):  # the hour before, up to the minute before this one
        with clock.frozen_at(T - dt.timedelta(hours=1) + dt.timedelta(minutes=minute)):
            for _ in range(40):
                bursts.tally(PORTAL, "192.0.2.1")
    busy, new = Client(REMOTE_ADDR="192.0.2.1"), Client(REMOTE_ADDR="192.0.2.2")
    with clock.frozen_at(T):
        assert {busy.get("/portal/track/").status_code for _ in range(90)} == {200}
        assert {new.get("/portal/track/").status_code for _ in range(90)} == {200}
    assert list(SecurityAlert.objects.values_list("address", flat=True)) == ["192.0.2.2"]
    # the absolute ceiling holds whatever the history: 121 a minute is flagged for the busy address too
    with clock.frozen_at(T + dt.timedelta(seconds=1)):
        for _ in range(31):
            busy.get("/portal/track/")
    assert set(SecurityAlert.objects.values_list("address", flat=True)) == {"192.0.2.1", "192.0.2.2"}


def test_open311_submissions_are_refused_in_the_spec_error_format(world: World, counting: None) -> None:
    client = Client(REMOTE_ADDR="203.0.113.20")
    with clock.frozen_at(T):
        answers = [client.post("/open311/v2/requests.json", {"api_key": "nosuchkey", "service_code": "0101",
                                                             "description": "路灯不亮"}) for _ in range(121)]
        reads = client.get("/open311/v2/services.json")  # reading is not a submission
    assert {r.status_code for r in answers[:120]} != {429}
    assert answers[120].status_code == 429
    assert json.loads(answers[120].content)[0]["code"] == 429
    assert reads.status_code == 200
    assert SecurityAlert.objects.get().kind == "burst:open311"


def test_sign_in_attempts_over_many_accounts_from_one_address(world: World, counting: None) -> None:
    client = Client(REMOTE_ADDR="203.0.113.30")
    with clock.frozen_at(T):
        codes = [client.post("/accounts/login/", {"username": f"user{n}", "password": "guess"}).status_code
                 for n in range(61)]
        page = client.get("/accounts/login/")  # the page itself is not an attempt
    assert set(codes[:60]) == {200}
    assert codes[60] == 429
    assert page.status_code == 200
    assert SecurityAlert.objects.get().kind == "burst:sign_in"


def test_staff_pages_and_the_api_are_not_counted_here() -> None:
    assert bursts.group_of("participation:analysis", "GET") is None
    assert bursts.group_of("api:ticket_list", "GET") is None  # ninja's throttles
    assert bursts.group_of("open311:services", "GET") is None
    assert bursts.group_of("participation:consultation", "POST") is not None
    assert bursts.group_of("portal:code", "POST") is PORTAL


def test_an_ipv6_client_counts_by_its_64_network() -> None:
    factory = RequestFactory()
    one = bursts.client_address(factory.get("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1"))
    other = bursts.client_address(factory.get("/", REMOTE_ADDR="2001:db8:1:2:bbbb::7"))
    assert one == other == "2001:db8:1:2::"
    assert bursts.client_address(factory.get("/", REMOTE_ADDR="not an address")) is None


def test_pages_are_served_when_the_cache_is_unreachable(world: World, settings: Any) -> None:
    settings.CITYLOOP = {**settings.CITYLOOP, "PUBLIC_BURSTS": True}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}  # nothing listens there
    assert Client(REMOTE_ADDR="203.0.113.40").get("/portal/track/").status_code == 200
