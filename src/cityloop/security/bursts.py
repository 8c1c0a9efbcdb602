"""Bursts on the public pages: one client address sending far more requests to a group of public, unauthenticated
pages than it usually does, or than anyone plausibly would.

The REST API already has its throttles (django-ninja's, per address and per signed-in user) and staff sign-in
its lockout (django-axes, per account and address); this covers the pages around them that anyone may call:
the citizens' portal, Open311 submissions, the public participation pages, and the staff sign-in form across
all accounts at once.

For each group and address the cache holds four counters: the requests of the current and the previous minute
and of the current and the previous hour, each a small integer that expires by itself two windows later, and a
flag once that day's alert is raised. The requests of the last sixty seconds are the current minute's count
plus the previous minute's weighted by the part of it still inside the window. Nothing else is kept: no path,
no query, no account, no body; an IPv6 client counts by its /64 network, which one subscriber holds. In
production the cache is Redis, shared by every process; on the embedded default it is the process's own memory.

An address whose last sixty seconds exceed `multiple` times its usual rate (its previous hour's average a minute,
at least `floor`) or the absolute `ceiling` raises a SecurityAlert once a day; above `limit` its requests are
refused with 429 until the window has room again.
"""

import dataclasses
import datetime as dt
import ipaddress
import logging
import math

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from cityloop.core import clock
from cityloop.security.models import SecurityAlert

log = logging.getLogger(__name__)

WINDOW = 60  # seconds
HOUR = 3600
IPV6_PREFIX = 64


@dataclasses.dataclass(frozen=True)
class Group:
    name: str
    views: frozenset[str]  # URL names, "namespace:*" for a whole namespace
    methods: frozenset[str]
    floor: float  # requests a minute taken as usual for an address with less history
    multiple: float  # alert above this many times the usual rate...
    ceiling: int  # ...or above this many requests a minute, whatever the history
    limit: int  # refuse above this many requests a minute


ALL = frozenset({"GET", "HEAD", "POST"})
GROUPS = (
    # reporting, tracking with a code, the citizen's own sign-in, the public map
    Group("portal", frozenset({"portal:*"}), ALL, floor=10, multiple=5, ceiling=120, limit=150),
    # submissions by Open311 clients (the reads are public data, and each key has its daily quota besides)
    Group("open311", frozenset({"open311:requests"}), frozenset({"POST"}), floor=5, multiple=5, ceiling=60,
          limit=120),
    # what anyone may read or do in consultations, surveys, receptions and community deliberation
    Group("participation", frozenset({
        "participation:consultations", "participation:consultation", "participation:support", "participation:flag",
        "participation:report", "participation:report_docx", "participation:survey", "participation:survey_results",
        "participation:survey_csv", "participation:receptions", "participation:reception", "deliberation:topics",
        "deliberation:topic", "deliberation:statements", "deliberation:statements_csv", "deliberation:vote",
        "deliberation:services"}), ALL, floor=10, multiple=5, ceiling=120, limit=150),
    # staff sign-in attempts from one address over all accounts (django-axes locks one account per address)
    Group("sign_in", frozenset({"login"}), frozenset({"POST"}), floor=5, multiple=5, ceiling=30, limit=60),
)
_BY_VIEW = {view: group for group in GROUPS for view in group.views}


def enabled() -> bool:
    return bool(settings.CITYLOOP.get("PUBLIC_BURSTS", True))


def group_of(view_name: str, method: str) -> Group | None:
    group = _BY_VIEW.get(view_name) or _BY_VIEW.get(view_name.split(":", 1)[0] + ":*")
    return group if group is not None and method in group.methods else None


def client_address(request: HttpRequest) -> str | None:
    """The address django-axes sees (its proxy settings apply to both); an IPv6 address by its /64 network."""
    raw = get_client_ip_address(request)
    try:
        address = ipaddress.ip_address(raw or "")
    except ValueError:
        return None
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False).network_address)
    return str(address)


@dataclasses.dataclass(frozen=True)
class Tally:
    group: Group
    address: str
    at: dt.datetime
    count: float  # requests in the last WINDOW seconds, this one included
    usual: float  # the address's usual requests a minute (its previous hour's average)
    retry_after: int  # seconds until the current minute ends

    @property
    def threshold(self) -> float:
        g = self.group
        return min(g.ceiling, g.multiple * max(self.usual, g.floor))

    @property
    def alarming(self) -> bool:
        return self.count > self.threshold

    @property
    def refused(self) -> bool:
        return self.count > self.group.limit


def _key(group: Group, address: str, span: str, index: int) -> str:
    return f"burst:{group.name}:{address}:{span}:{index}"


def _incr(key: str, timeout: int) -> int:
    try:
        return cache.incr(key)
    except ValueError:  # not there yet, or just expired
        if cache.add(key, 1, timeout):
            return 1
        return cache.incr(key)


def tally(group: Group, address: str) -> Tally:
    """Count one request of `address` to `group` and return the last minute's picture."""
    at = clock.now()
    now = at.timestamp()
    minute, hour = int(now // WINDOW), int(now // HOUR)
    current = _incr(_key(group, address, "m", minute), 2 * WINDOW + 5)
    _incr(_key(group, address, "h", hour), 2 * HOUR + 60)
    previous_minute, previous_hour = _key(group, address, "m", minute - 1), _key(group, address, "h", hour - 1)
    before = cache.get_many([previous_minute, previous_hour])
    into = now - minute * WINDOW  # seconds into the current minute
    count = current + before.get(previous_minute, 0) * (WINDOW - into) / WINDOW
    usual = before.get(previous_hour, 0) * WINDOW / HOUR
    return Tally(group, address, at, count, usual, retry_after=max(1, math.ceil(WINDOW - into)))


def burst_alert(tally: Tally, *, view: str, method: str) -> SecurityAlert | None:
    """Raise the day's alert for the address and group (once), and mark it once the address is refused."""
    day = timezone.localdate(tally.at)
    stage = "refused" if tally.refused else "alerted"
    flag = f"burst:{stage}:{tally.group.name}:{tally.address}:{day.isoformat()}"
    if not cache.add(flag, 1, 86400):
        return None  # this process or another has recorded it today
    kind = f"burst:{tally.group.name}"
    alert = SecurityAlert.objects.filter(kind=kind, address=tally.address, day=day).first()
    if alert is None:
        alert = _create(tally, kind=kind, day=day, view=view, method=method)
    if tally.refused and alert is not None and "refused_at" not in alert.evidence:
        alert.evidence["refused_at"] = tally.at.isoformat()
        alert.observed = max(alert.observed, round(tally.count, 1))
        alert.save(update_fields=["evidence", "observed", "updated_at"])
    return alert


def _create(tally: Tally, *, kind: str, day: dt.date, view: str, method: str) -> SecurityAlert | None:
    from cityloop.security.tasks import security_alerts_notify_task

    g = tally.group
    evidence: dict[str, object] = {
        "group": g.name, "window_seconds": WINDOW, "usual_per_minute": round(tally.usual, 2),
        "threshold": tally.threshold, "ceiling": g.ceiling, "limit": g.limit, "first_at": tally.at.isoformat(),
        "view": view, "method": method}
    try:
        with transaction.atomic():
            alert = SecurityAlert.objects.create(kind=kind, address=tally.address, day=day,
                                                 observed=round(tally.count, 1), expected=round(tally.usual, 2),
                                                 evidence=evidence)
            transaction.on_commit(lambda: security_alerts_notify_task.delay([alert.pk]))
    except IntegrityError:  # another process raised it a moment ago
        return SecurityAlert.objects.filter(kind=kind, address=tally.address, day=day).first()
    log.warning("security alert: burst of %s requests a minute from %s on %s", round(tally.count), tally.address,
                g.name)
    return alert
