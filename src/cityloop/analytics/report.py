"""The monthly analysis report (分析研判报告) as a Word document (python-docx)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.db.models import Count
from django.utils.translation import gettext as _

from cityloop.analytics.counts import local_midnight
from cityloop.analytics.hot import hot_issues, platform_messages
from cityloop.analytics.models import Warning
from cityloop.analytics.services import month_bounds, monthly_candidates
from cityloop.organisation.models import Area
from cityloop.tickets.models import Category, Ticket


def _received(first: dt.date, last: dt.date) -> object:
    return Ticket.objects.filter(created_at__gte=local_midnight(first),
                                 created_at__lt=local_midnight(last + dt.timedelta(days=1)))


def monthly_report(month: dt.date, out: Path) -> dict[str, int]:
    """Write the report of `month` to `out`; returns a few headline figures."""
    from docx import Document

    first, last = month_bounds(month)
    prev_first, prev_last = month_bounds(first - dt.timedelta(days=1))
    tickets = _received(first, last)
    total = tickets.count()  # type: ignore[attr-defined]
    previous = _received(prev_first, prev_last).count()  # type: ignore[attr-defined]
    doc = Document()
    doc.add_heading(_("Analysis report %(month)s") % {"month": f"{first:%Y-%m}"}, 0)

    doc.add_heading(_("1. Volume"), 1)
    change = f"{(total - previous) / previous * 100:+.1f} %" if previous else "—"
    doc.add_paragraph(_("%(n)d tickets received in the month; %(p)d the month before (%(change)s).")
                      % {"n": total, "p": previous, "change": change})
    rows = list(tickets.filter(category__isnull=False).order_by().values_list("category__name")  # type: ignore[attr-defined]
                .annotate(n=Count("pk")).order_by("-n")[:10])
    _table(doc, [_("Category"), _("Tickets")], rows)

    doc.add_heading(_("2. Warnings"), 1)
    warnings = list(Warning.objects.filter(day__gte=first, day__lte=last).order_by("-significance")[:20])
    if warnings:
        _table(doc, [_("Day"), _("Warning"), _("Observed"), _("Expected"), _("Status")],
               [(f"{w.day:%m-%d}", w.title, w.observed, f"{w.expected:.1f}", w.get_status_display())
                for w in warnings])
    else:
        doc.add_paragraph(_("No warnings in the month."))

    doc.add_heading(_("3. Hot issues"), 1)
    messages = platform_messages(tickets.exclude(channel="analysis").order_by()  # type: ignore[attr-defined]
                                 .values_list("pk", "title", "description", "created_at", "citizen_phone",
                                              "area__name")[:20000])
    issues = hot_issues(messages, top=10)
    if issues:
        _table(doc, [_("Rank"), _("Hot issue"), _("Tickets"), _("Heat")],
               [(h.rank, h.name, len(h.messages), h.heat) for h in issues])
    else:
        doc.add_paragraph(_("No hot issues in the month."))

    doc.add_heading(_("4. Candidates for the problem of the month"), 1)
    candidates = monthly_candidates(month=first, top=5)
    names = dict(Category.objects.filter(pk__in=[c["category_id"] for c in candidates]).values_list("pk", "name"))
    areas = dict(Area.objects.filter(pk__in=[c["area_id"] for c in candidates]).values_list("pk", "name"))
    if candidates:
        _table(doc, [_("Area"), _("Category"), _("Tickets"), _("Unsatisfied"), _("Reopened"), _("Score")],
               [(areas[c["area_id"]], names[c["category_id"]], c["tickets"], c["unsatisfied"], c["reopened"],
                 c["score"]) for c in candidates])
    else:
        doc.add_paragraph(_("No candidates."))
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return {"tickets": total, "warnings": len(warnings), "hot_issues": len(issues), "candidates": len(candidates)}


def _table(doc: object, header: list[str], rows: list[tuple[object, ...]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))  # type: ignore[attr-defined]
    table.style = "Light Grid Accent 1"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = str(text)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(value)
