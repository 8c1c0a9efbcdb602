"""Abnormal access: a sudden 50-fold reader is flagged; a busy but steady one is not."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from cityloop.conftest import World
from cityloop.security.anomaly import detect_access_anomalies, security_scan
from cityloop.security.models import AuditEntry, SecurityAlert

TODAY = dt.date(2026, 11, 27)


def reads(user: object, day: dt.date, n: int) -> list[AuditEntry]:
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    return [AuditEntry(at=moment, actor=user, action="ticket.view_contact", object_type="ticket", object_id="1")
            for _ in range(n)]


def history(user: object, per_day: int, today: int) -> list[AuditEntry]:
    rows = []
    for back in range(1, 29):
        day = TODAY - dt.timedelta(days=back)
        if day.weekday() < 5:  # staff work on weekdays
            rows += reads(user, day, per_day)
    return rows + reads(user, TODAY, today)


def test_sudden_reader_flagged_steady_busy_reader_not(world: World) -> None:
    users = get_user_model().objects
    quiet, busy, newcomer = (users.create_user(name) for name in ("quiet", "busy", "newcomer"))
    AuditEntry.objects.bulk_create([
        *history(quiet, 8, 400),  # 50 times the usual
        *history(busy, 300, 320),  # many reads every day, a little more today
        *reads(newcomer, TODAY, 30),  # no history yet: compared with peers
    ])
    findings = {f.user_id: f for f in detect_access_anomalies(TODAY)}
    assert set(findings) == {quiet.pk}
    assert findings[quiet.pk].observed == 400
    assert findings[quiet.pk].expected == 8


def test_scan_records_once_and_tells_the_administrators(world: World) -> None:
    reader = get_user_model().objects.create_user("reader")
    AuditEntry.objects.bulk_create(history(reader, 5, 300))
    assert [a.user for a in security_scan(TODAY)] == [reader]
    assert security_scan(TODAY) == []  # once per account, kind and day
    assert SecurityAlert.objects.get().evidence["own_history"] is True
    assert mail.outbox[-1].to == ["admin@example.org"]
