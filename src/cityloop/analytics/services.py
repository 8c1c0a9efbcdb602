"""Writes of the analysis: warnings from the detectors and their workflow, problems of the month."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cityloop.analytics import novelty
from cityloop.analytics.analysis import Finding, find
from cityloop.analytics.counts import daily_counts, load_grids, local_midnight, ticket_docs
from cityloop.analytics.models import MonthlyProblem, Warning, WarningKind, WarningStatus
from cityloop.core import clock
from cityloop.core.errors import Conflict, InvalidInput, NotFound
from cityloop.organisation.models import Area, Unit
from cityloop.security import grants as g
from cityloop.security.access import grants_for
from cityloop.security.audit import audit_record
from cityloop.tickets.choices import Channel, Status, TicketType
from cityloop.tickets.models import Category, Ticket
from cityloop.tickets.services import PermissionDenied, TicketInput, TransitionInput, ticket_create, ticket_transition

EVIDENCE_TICKETS = 200


def _today() -> dt.date:
    return timezone.localtime(clock.now()).date()


def _tickets(category_id: int, area_paths: list[str], first: dt.date, last: dt.date) -> Any:
    where = Q()
    for path in area_paths:
        where |= Q(area_path__startswith=path)
    return Ticket.objects.filter(where, category_id=category_id, created_at__gte=local_midnight(first),
                                 created_at__lt=local_midnight(last + dt.timedelta(days=1)))


def analyse(*, day: dt.date | None = None, history_days: int = 365, eval_days: int = 7,
            rate: float = 1e-3, alarms_per_week: float = 1.0) -> list[Warning]:
    """Scan the tickets up to `day` (yesterday by default) and record one Warning per finding: the count
    detectors over the daily counts (`analysis.find`) and the emerging topics in the tickets' text (`novelty`).

    Idempotent: a second run for the same day updates the same warnings (one per day, kind, category, area)
    and leaves their workflow state alone. A finding that continues one raised on an earlier day (its window
    reaches that warning's, or it shares tickets with it) updates that warning instead of raising a new one.
    """
    day = day or _today() - dt.timedelta(days=1)
    first = day - dt.timedelta(days=history_days + eval_days - 1)
    oldest = Ticket.objects.order_by("created_at").values_list("created_at", flat=True).first()
    if oldest is not None:
        first = max(first, timezone.localtime(oldest).date())
    counts = daily_counts(first, day, load_grids())
    findings = find(counts, eval_days=eval_days, rate=rate, alarms_per_week=alarms_per_week)
    findings += _topic_findings(day)
    merged: dict[tuple[str, int | None, int], Finding] = {}
    for f in findings:  # one warning per day, kind, category and area: findings sharing them are one
        key = (f.kind, f.category_id, f.area_id)
        merged[key] = _merge(merged[key], f) if key in merged else f
    return [_record(day, f) for f in merged.values()]


def _topic_findings(day: dt.date) -> list[Finding]:
    """Emerging topics in the texts, each placed in the smallest area holding its located tickets."""
    span = 2 * novelty.WINDOW + novelty.HISTORY
    topics = novelty.emerging_topics(ticket_docs(day - dt.timedelta(days=span - 1), day), day)
    if not topics:
        return []
    roots = list(Area.objects.filter(parent__isnull=True).values_list("pk", flat=True)[:2])
    found = []
    for topic in topics:
        if topic.area_path:
            area_id = int(topic.area_path.rstrip("/").rsplit("/", 1)[-1])
        elif len(roots) == 1:  # nothing located: the city as a whole
            area_id = roots[0]
        else:
            continue
        found.append(Finding("emerging", topic.category_id, area_id, topic.days[0], topic.days[-1], 0.0,
                             len(topic.tickets), topic.significance, topic.daily, tickets=topic.tickets,
                             terms=topic.terms))
    return found


def _merge(a: Finding, b: Finding) -> Finding:
    if (a.tickets is None) != (b.tickets is None):  # a topic's own tickets say more than a count over the area
        return a if a.tickets is not None else b
    tickets = None if a.tickets is None or b.tickets is None else sorted({*a.tickets, *b.tickets})
    return Finding(a.kind, a.category_id, a.area_id, min(a.first, b.first), max(a.last, b.last),
                   a.expected + b.expected, len(tickets) if tickets is not None else a.observed + b.observed,
                   max(a.significance, b.significance), a.daily if a.observed >= b.observed else b.daily,
                   grids=sorted({*a.grids, *b.grids}), tickets=tickets,
                   terms=a.terms if a.observed >= b.observed else b.terms)


def _continued(day: dt.date, finding: Finding, category: Category | None, area: Area) -> Warning | None:
    """The warning of an earlier day that this finding continues, if any."""
    earlier = Warning.objects.filter(kind=finding.kind, day__lt=day)
    if finding.tickets is not None:
        mine = set(finding.tickets)
        for warning in earlier.filter(day__gte=day - dt.timedelta(days=novelty.WINDOW)).order_by("-day"):
            if mine & set(warning.evidence.get("tickets", [])):
                return warning
        return None
    return earlier.filter(category=category, area=area,
                          window_end__gte=finding.first - dt.timedelta(days=1)).order_by("-day").first()


def _record(day: dt.date, finding: Finding) -> Warning:
    area = Area.objects.only("pk", "name", "path").get(pk=finding.area_id)
    category = (Category.objects.only("pk", "name").get(pk=finding.category_id)
                if finding.category_id is not None else None)
    grids = list(Area.objects.filter(pk__in=finding.grids).order_by("name").values_list("pk", "name", "path"))
    if finding.tickets is not None:
        tickets = finding.tickets[:EVIDENCE_TICKETS]
    elif category is not None:
        tickets = list(_tickets(category.pk, [p for *_x, p in grids] or [area.path], finding.first, finding.last)
                       .order_by("-created_at").values_list("pk", flat=True)[:EVIDENCE_TICKETS])
    else:
        tickets = []
    place = area.name
    if len(grids) > 1:
        place = ngettext("%(area)s and %(n)d nearby grid", "%(area)s and %(n)d nearby grids", len(grids) - 1) % {
            "area": area.name, "n": len(grids) - 1}
    what = "、".join(finding.terms) if finding.terms else (category.name if category else "")
    title = f"{WarningKind(finding.kind).label}: {place} · {what}"
    evidence: dict[str, Any] = {"tickets": tickets, "daily": finding.daily, "area_name": area.name,
                                "category_name": category.name if category else ""}
    if len(grids) > 1:
        evidence["grids"] = [{"id": pk, "name": name} for pk, name, _path in grids]
    if finding.terms:
        evidence["terms"] = finding.terms
    now = clock.now()
    fields = {"window_start": finding.first, "window_end": finding.last, "expected": finding.expected,
              "observed": finding.observed, "significance": finding.significance, "evidence": evidence}
    with transaction.atomic():
        warning = (Warning.objects.select_for_update().filter(day=day, kind=finding.kind, category=category,
                                                              area=area).first()
                   or _continued(day, finding, category, area))
        if warning is None:
            return Warning.objects.create(day=day, kind=finding.kind, category=category, area=area,
                                          area_path=area.path, title=title[:200], created_at=now, updated_at=now,
                                          **fields)
        if warning.day < day:  # a continued warning keeps its place and first day; its window grows
            fields["window_start"] = min(warning.window_start, finding.first)
        Warning.objects.filter(pk=warning.pk).update(updated_at=now, **fields)
        warning.refresh_from_db()
    return warning


def _open(warning_id: int, *allowed: str) -> Warning:
    warning = Warning.objects.select_for_update().filter(pk=warning_id).first()
    if warning is None:
        raise NotFound(_("Not found."))
    if warning.status not in allowed:
        raise Conflict(_("This is not possible while the warning is “%(status)s”.")
                       % {"status": warning.get_status_display()}, code="invalid_warning_status")
    return warning


def warning_acknowledge(*, actor: Any, warning_id: int, note: str = "") -> Warning:
    with transaction.atomic():
        warning = _open(warning_id, WarningStatus.NEW)
        warning.status, warning.reason, warning.handled_by = WarningStatus.ACKNOWLEDGED, note, actor
        warning.updated_at = clock.now()
        warning.save(update_fields=["status", "reason", "handled_by", "updated_at"])
        audit_record(actor=actor, action="warning.acknowledge", object_type="warning", object_id=warning.pk)
    return warning


def warning_dismiss(*, actor: Any, warning_id: int, reason: str) -> Warning:
    if not reason.strip():
        raise InvalidInput(_("Say why the warning is dismissed."), code="reason_required",
                           details={"field": "reason"})
    with transaction.atomic():
        warning = _open(warning_id, WarningStatus.NEW, WarningStatus.ACKNOWLEDGED)
        warning.status, warning.reason, warning.handled_by = WarningStatus.DISMISSED, reason.strip(), actor
        warning.updated_at = clock.now()
        warning.save(update_fields=["status", "reason", "handled_by", "updated_at"])
        audit_record(actor=actor, action="warning.dismiss", object_type="warning", object_id=warning.pk,
                     data={"reason": warning.reason})
    return warning


def warning_task(*, actor: Any, warning_id: int, unit_id: int, note: str = "",
                 ticket_type: str = TicketType.REPORT) -> Warning:
    """未诉先办: a proactive ticket (channel "analysis") about the warning, dispatched to `unit_id` by `actor`
    (who needs the rights to create and to dispatch tickets in the warning's area)."""
    if ticket_type not in (TicketType.REPORT, TicketType.HELP):
        raise InvalidInput(_("A proactive task is a report or a request for help."), code="invalid_type",
                           details={"field": "ticket_type"})
    if not Unit.objects.filter(pk=unit_id).exists():
        raise InvalidInput(_("Unknown unit."), code="unknown_unit", details={"field": "unit_id"})
    if grants_for(actor, g.CREATE).empty or grants_for(actor, g.DISPATCH).empty:
        raise PermissionDenied(_("Only those who may create and dispatch tickets turn a warning into a task."))
    with transaction.atomic():
        warning = _open(warning_id, WarningStatus.NEW, WarningStatus.ACKNOWLEDGED)
        area = warning.area
        description = _("Proactive task from the analysis: %(title)s. Observed %(observed)d tickets from "
                        "%(first)s to %(last)s where %(expected).1f were expected.") % {
            "title": warning.title, "observed": warning.observed, "first": warning.window_start,
            "last": warning.window_end, "expected": warning.expected}
        if note:
            description += "\n" + note
        ticket, _created = ticket_create(actor=actor, data=TicketInput(
            channel=Channel.ANALYSIS, ticket_type=ticket_type, title=warning.title[:200],
            description=description[:5000], category_id=warning.category_id,
            address=area.name if area else "",
            latitude=area.latitude if area else None, longitude=area.longitude if area else None))
        ticket_transition(ticket_id=ticket.pk, action="dispatch", actor=actor,
                          params=TransitionInput(unit_id=unit_id, note=note))
        warning.status, warning.task, warning.tasked_at = WarningStatus.TASKED, ticket, clock.now()
        warning.handled_by, warning.updated_at = actor, clock.now()
        warning.save(update_fields=["status", "task", "tasked_at", "handled_by", "updated_at"])
        audit_record(actor=actor, action="warning.task", object_type="warning", object_id=warning.pk,
                     data={"ticket": ticket.pk, "unit": unit_id})
    return warning


def volume_before_after(*, category_id: int, area_path: str, at: dt.datetime, weeks: int) -> dict[str, Any]:
    """Tickets of the category in the area in the `weeks` weeks before and after `at` (proactive ones left out)."""
    span = dt.timedelta(weeks=weeks)
    now = clock.now()
    counts = Ticket.objects.filter(category_id=category_id, area_path__startswith=area_path).exclude(
        channel=Channel.ANALYSIS).aggregate(
        before=Count("pk", filter=Q(created_at__gte=at - span, created_at__lt=at)),
        after=Count("pk", filter=Q(created_at__gte=at, created_at__lt=at + span)))
    complete = now >= at + span
    before, after = counts["before"], counts["after"]
    return {"weeks": weeks, "before": before, "after": after, "complete": complete,
            "change": round((after - before) / before, 3) if before else None}


def warning_measure_effect(*, actor: Any, warning_id: int, weeks: int = 4) -> Warning:
    if weeks < 1:
        raise InvalidInput(_("At least one week."), code="invalid_weeks", details={"field": "weeks"})
    with transaction.atomic():
        warning = _open(warning_id, WarningStatus.TASKED, WarningStatus.MEASURED)
        if warning.category_id is None or warning.tasked_at is None:
            raise Conflict(_("This warning has no task to measure."), code="no_task")
        warning.effect = volume_before_after(category_id=warning.category_id, area_path=warning.area_path,
                                             at=warning.tasked_at, weeks=weeks)
        warning.status, warning.updated_at = WarningStatus.MEASURED, clock.now()
        warning.save(update_fields=["effect", "status", "updated_at"])
        audit_record(actor=actor, action="warning.measure", object_type="warning", object_id=warning.pk,
                     data=warning.effect)
    return warning


# ---------------------------------------------------------------------------------------------- 每月一题
def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def monthly_candidates(*, month: dt.date, top: int = 5, min_tickets: int = 5) -> list[dict[str, Any]]:
    """The month's frequent and hard problems: category x street with many tickets, scored by volume times
    difficulty (share unsatisfied or unresolved, reopens). One grouped query."""
    first, last = month_bounds(month)
    rows = (Ticket.objects.filter(created_at__gte=local_midnight(first),
                                  created_at__lt=local_midnight(last + dt.timedelta(days=1)),
                                  category__isnull=False).exclude(status=Status.INVALID)
            .order_by().values_list("category_id", "area_path")
            .annotate(n=Count("pk"), unsatisfied=Count("pk", filter=Q(satisfaction="unsatisfied")),
                      unresolved=Count("pk", filter=Q(resolved=False)),
                      rated=Count("pk", filter=~Q(satisfaction="")),
                      reopened=Count("pk", filter=Q(reopen_count__gt=0))))
    grids = load_grids()
    street_paths = dict(Area.objects.filter(pk__in=grids.street_ids).values_list("path", "pk"))
    per: dict[tuple[int, int], list[int]] = {}
    for category_id, path, n, unsat, unres, rated, reop in rows:
        street = next((pk for sp, pk in street_paths.items() if path.startswith(sp)), None)
        if street is None:
            continue
        acc = per.setdefault((category_id, street), [0, 0, 0, 0, 0])
        for i, v in enumerate((n, unsat, unres, rated, reop)):
            acc[i] += v
    scored = []
    for (category_id, street), (n, unsat, unres, rated, reop) in per.items():
        if n < min_tickets:
            continue
        hard = (unsat + unres) / max(rated, 1) + reop / n
        scored.append({"category_id": category_id, "area_id": street, "tickets": n, "unsatisfied": unsat,
                       "unresolved": unres, "rated": rated, "reopened": reop,
                       "difficulty": round(hard, 3), "score": round(n * (0.2 + hard), 2)})
    scored.sort(key=lambda r: -r["score"])
    return scored[:top]


def monthly_problems_choose(*, actor: Any, month: dt.date, top: int = 3) -> list[MonthlyProblem]:
    first, _last = month_bounds(month)
    chosen = []
    with transaction.atomic():
        for cand in monthly_candidates(month=first, top=top):
            area = Area.objects.get(pk=cand["area_id"])
            category = Category.objects.get(pk=cand["category_id"])
            problem, _created = MonthlyProblem.objects.update_or_create(
                month=first, category=category, area=area,
                defaults={"area_path": area.path, "title": f"{first:%Y-%m} {area.name} · {category.name}"[:200],
                          "tickets": cand["tickets"], "score": cand["score"],
                          "difficulty": {k: cand[k] for k in ("unsatisfied", "unresolved", "rated", "reopened",
                                                              "difficulty")},
                          "created_at": clock.now()})
            chosen.append(problem)
        audit_record(actor=actor, action="monthly_problem.choose", object_type="monthly_problem",
                     object_id=f"{first:%Y-%m}", data={"ids": [p.pk for p in chosen]})
    return chosen


def monthly_problem_assign(*, actor: Any, problem_id: int, unit_id: int) -> MonthlyProblem:
    with transaction.atomic():
        problem = MonthlyProblem.objects.select_for_update().filter(pk=problem_id).first()
        if problem is None:
            raise NotFound(_("Not found."))
        if not Unit.objects.filter(pk=unit_id).exists():
            raise InvalidInput(_("Unknown unit."), code="unknown_unit", details={"field": "unit_id"})
        problem.lead_unit_id, problem.assigned_by, problem.assigned_at = unit_id, actor, clock.now()
        problem.save(update_fields=["lead_unit", "assigned_by", "assigned_at"])
        audit_record(actor=actor, action="monthly_problem.assign", object_type="monthly_problem",
                     object_id=problem.pk, data={"unit": unit_id})
    return problem


def monthly_problem_measure(*, actor: Any, problem_id: int, weeks: int = 4) -> MonthlyProblem:
    with transaction.atomic():
        problem = MonthlyProblem.objects.select_for_update().filter(pk=problem_id).first()
        if problem is None:
            raise NotFound(_("Not found."))
        at = problem.assigned_at or local_midnight(month_bounds(problem.month)[1] + dt.timedelta(days=1))
        problem.effect = volume_before_after(category_id=problem.category_id, area_path=problem.area_path, at=at,
                                             weeks=weeks)
        problem.save(update_fields=["effect"])
        audit_record(actor=actor, action="monthly_problem.measure", object_type="monthly_problem",
                     object_id=problem.pk, data=problem.effect)
    return problem
