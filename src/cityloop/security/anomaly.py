"""Abnormal access: accounts that read or export far more than they and their peers usually do, and
sign-ins from many addresses or at hours the account never works.

The volumes come from the audit log (every sensitive read and export is recorded there). An account's day
is compared with its own last `HISTORY_DAYS` days; an account with too little history is compared with the
accounts holding the same role. The threshold is a Poisson upper quantile of a robust expected volume, so a
busy account with a steady load is never flagged for being busy, and a quiet one is flagged only when the
jump could not be chance.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from scipy.stats import poisson

from cityloop.core import clock
from cityloop.security.models import AuditEntry, SecurityAlert

HISTORY_DAYS = 28
MIN_HISTORY_DAYS = 7
# The chance a steady account passes the threshold on a given day: about one false alarm per account in
# thirty years.
FALSE_ALARM = 1e-4
# Reading five times what the account usually reads is the least worth a look, whatever the statistics say.
MIN_RATIO = 5.0
READ_ACTIONS = ("ticket.view_contact", "ticket.export", "tickets.export", "ticket.bulk_view")


@dataclass(frozen=True)
class Finding:
    user_id: int
    kind: str
    observed: float
    expected: float
    evidence: dict[str, object]


def _daily_volumes(first: dt.date, last: dt.date) -> dict[int, dict[dt.date, int]]:
    rows = (AuditEntry.objects.filter(at__date__gte=first, at__date__lte=last, actor__isnull=False)
            .filter(action__in=READ_ACTIONS).annotate(day=TruncDate("at"))
            .values("actor_id", "day").annotate(n=Count("pk")))
    volumes: dict[int, dict[dt.date, int]] = defaultdict(dict)
    for row in rows:
        volumes[row["actor_id"]][row["day"]] = row["n"]
    return volumes


def _expected(history: list[int]) -> float:
    """A robust usual daily volume: the upper quartile of past days, so that quiet days do not drag it down."""
    return float(np.percentile(history, 75)) if history else 0.0


def detect_access_anomalies(day: dt.date) -> list[Finding]:
    first = day - dt.timedelta(days=HISTORY_DAYS)
    volumes = _daily_volumes(first, day)
    past_days = [first + dt.timedelta(days=i) for i in range(HISTORY_DAYS)]
    expected: dict[int, float] = {}
    for user_id, by_day in volumes.items():
        active = [by_day.get(d, 0) for d in past_days]
        if sum(1 for v in active if v) >= MIN_HISTORY_DAYS:
            expected[user_id] = _expected(active)
    peer_expected = float(np.median(list(expected.values()))) if expected else 1.0
    findings = []
    for user_id, by_day in volumes.items():
        observed = by_day.get(day, 0)
        baseline = max(expected.get(user_id, peer_expected), 1.0)
        limit = max(poisson.isf(FALSE_ALARM, baseline), MIN_RATIO * baseline)
        if observed > limit:
            findings.append(Finding(user_id, "read_volume", float(observed), round(baseline, 1), {
                "threshold": float(limit), "own_history": user_id in expected,
                "history": {d.isoformat(): by_day.get(d, 0) for d in past_days if by_day.get(d, 0)}}))
    return findings


def detect_sign_in_anomalies(day: dt.date, *, max_addresses: int = 5, night: tuple[int, int] = (0, 5)) -> list[
        Finding]:
    """Sign-ins from many addresses in a day, or at night by an account that has never signed in at night."""
    from axes.models import AccessLog
    from django.utils import timezone

    logs = list(AccessLog.objects.filter(attempt_time__date__gte=day - dt.timedelta(days=HISTORY_DAYS),
                                         attempt_time__date__lte=day).values_list("username", "ip_address",
                                                                                  "attempt_time"))
    users = dict(get_user_model().objects.filter(username__in={u for u, _, _ in logs}).values_list("username", "pk"))
    findings = []
    by_user: dict[str, list[tuple[str, dt.datetime]]] = defaultdict(list)
    for username, address, moment in logs:
        by_user[username].append((address, timezone.localtime(moment)))
    for username, entries in by_user.items():
        if username not in users:
            continue
        today = [(a, m) for a, m in entries if m.date() == day]
        addresses = {a for a, _ in today}
        if len(addresses) > max_addresses:
            findings.append(Finding(users[username], "many_addresses", len(addresses), max_addresses,
                                    {"addresses": sorted(addresses)}))
        night_today = [m for _, m in today if night[0] <= m.hour < night[1]]
        night_before = [m for _, m in entries if m.date() < day and night[0] <= m.hour < night[1]]
        if night_today and not night_before and len(entries) > len(today):
            findings.append(Finding(users[username], "night_sign_in", len(night_today), 0,
                                    {"times": [m.isoformat() for m in night_today]}))
    return findings


def security_scan(day: dt.date | None = None) -> list[SecurityAlert]:
    """Record today's findings as alerts (once per account, kind and day) and tell the administrators."""
    day = day or clock.now().date()
    created = []
    for finding in [*detect_access_anomalies(day), *detect_sign_in_anomalies(day)]:
        try:
            with transaction.atomic():
                created.append(SecurityAlert.objects.create(
                    kind=finding.kind, user_id=finding.user_id, day=day, observed=finding.observed,
                    expected=finding.expected, evidence=finding.evidence))
        except IntegrityError:
            continue  # already raised today
    if created:
        notify_administrators(created)
    return created


def notify_administrators(alerts: list[SecurityAlert]) -> None:
    """E-mail the administrators (role admin) the evidence; the alerts also wait in the admin pages."""
    from django.core.mail import send_mail

    from cityloop.organisation.choices import Role
    from cityloop.organisation.models import Membership

    recipients = sorted(set(Membership.objects.filter(role=Role.ADMIN, user__email__gt="")
                            .values_list("user__email", flat=True)))
    if recipients:
        lines = [f"{a.day} {a.kind} {f'address={a.address}' if a.address else f'user={a.user_id}'} "
                 f"observed={a.observed:g} expected={a.expected:g} evidence={a.evidence}" for a in alerts]
        send_mail("CityLoop: security alerts", "\n".join(lines), None, recipients)
