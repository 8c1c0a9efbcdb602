"""The monthly assessment report (月度考核通报) as .docx (python-docx) and .xlsx (openpyxl), charts as images."""

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from cityloop.assessment.choices import ScopeKind
from cityloop.assessment.models import AssessmentResult
from cityloop.assessment.services import month_bounds
from cityloop.core.errors import NotFound
from cityloop.tickets.choices import OPEN_STATUSES
from cityloop.tickets.models import Ticket

RATES = ("response_rate", "resolution_rate", "satisfaction_rate", "composite", "on_time_rate",
         "first_time_resolution_rate", "reopen_rate")


def rate_labels() -> dict[str, str]:
    return {"response_rate": _("Response rate"), "resolution_rate": _("Resolution rate"),
            "satisfaction_rate": _("Satisfaction rate"), "composite": _("Composite score"),
            "on_time_rate": _("On-time completion rate"),
            "first_time_resolution_rate": _("First-time resolution rate"), "reopen_rate": _("Reopen rate")}


def fmt(name: str, value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if name == "composite" else f"{100 * value:.1f}%"


@dataclass
class Report:
    month: dt.date
    city: dict[str, Any]
    units: list[AssessmentResult]  # ranked
    previous: dict[int, dict[str, Any]]  # unit id → last month's figures
    streets: list[AssessmentResult]
    overdue: list[Ticket]
    charts: list[tuple[str, bytes]] = field(default_factory=list)

    def change(self, row: AssessmentResult, name: str = "composite") -> float | None:
        before = self.previous.get(row.scope_id, {}).get(name)
        now = row.figures.get(name)
        return None if before is None or now is None else now - before


def report_build(*, month: str | dt.date, charts: bool = True) -> Report:
    first, _start, _end = month_bounds(month)
    rows = list(AssessmentResult.objects.filter(period=first))
    if not rows:
        raise NotFound(_("No stored assessment for this month; compute it first."))
    last_month = month_bounds(first - dt.timedelta(days=1))[0]
    previous = {r.scope_id: r.figures for r in AssessmentResult.objects.filter(period=last_month,
                                                                                 scope_kind=ScopeKind.UNIT)}
    units = sorted((r for r in rows if r.scope_kind == ScopeKind.UNIT), key=lambda r: r.figures.get("rank", 0))
    streets = sorted((r for r in rows if r.scope_kind == ScopeKind.STREET), key=lambda r: r.figures.get("rank", 0))
    city: dict[str, Any] = next((r.figures for r in rows if r.scope_kind == ScopeKind.CITY), {})
    overdue = list(Ticket.objects.filter(status__in=OPEN_STATUSES, complete_due__lt=rows[0].as_of,
                                         unit__isnull=False).select_related("unit").order_by("complete_due")[:10])
    report = Report(first, city, units, previous, streets, overdue)
    if charts:
        report.charts = _charts(report)
    return report


def _charts(report: Report) -> list[tuple[str, bytes]]:
    """Bar charts as PNG (matplotlib, when installed; otherwise none)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot as plt
    except ImportError:
        return []
    plt.rcParams["font.sans-serif"] = ["WenQuanYi Micro Hei", "Noto Sans CJK SC", "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    out: list[tuple[str, bytes]] = []
    top = report.units[:15]
    if top:
        fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
        ax.barh([r.scope_name for r in reversed(top)], [r.figures.get("composite") or 0 for r in reversed(top)],
                color="#3b7dd8")
        ax.set_xlabel(_("Composite score"))
        ax.set_xlim(0, 100)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
        out.append((_("Composite score by unit"), buffer.getvalue()))
    if report.city:
        fig, ax = plt.subplots(figsize=(8, 3), dpi=100)
        names = ["response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate"]
        labels = rate_labels()
        ax.bar([labels[n] for n in names], [100 * (report.city.get(n) or 0) for n in names], color="#2a9d8f")
        ax.set_ylim(0, 100)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
        out.append((_("City rates"), buffer.getvalue()))
    return out


def _unit_table(report: Report) -> tuple[list[str], list[list[Any]]]:
    labels = rate_labels()
    header = [_("Rank"), _("Unit"), *(labels[n] for n in RATES), _("Change from last month"), _("Exempted")]
    rows = []
    for r in report.units:
        change = report.change(r)
        rows.append([r.figures.get("rank"), r.scope_name, *(fmt(n, r.figures.get(n)) for n in RATES),
                     "-" if change is None else f"{change:+.2f}", r.figures.get("exempted", 0)])
    return header, rows


def docx_bytes(report: Report) -> bytes:
    from docx import Document
    from docx.shared import Inches

    doc = Document()
    doc.add_heading(_("Monthly assessment report %(month)s") % {"month": f"{report.month:%Y-%m}"}, level=0)
    labels = rate_labels()
    doc.add_heading(_("City"), level=1)
    table = doc.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = _("Figure"), _("Value")
    for name in RATES:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = labels[name], fmt(name, report.city.get(name))
    cells = table.add_row().cells
    cells[0].text, cells[1].text = _("Exempted tickets"), str(report.city.get("exempted", 0))
    cells = table.add_row().cells
    cells[0].text, cells[1].text = _("Unreachable at callback"), str(report.city.get("unreachable", 0))
    doc.add_heading(_("Ranking of units"), level=1)
    header, rows = _unit_table(report)
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = str(text)
    for row in rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = str(value)
    doc.add_heading(_("Worst overdue cases"), level=1)
    for ticket in report.overdue:
        doc.add_paragraph(f"{ticket.number} {ticket.title} — {ticket.unit.name if ticket.unit else ''} — "
                          + _("due %(due)s") % {"due": f"{ticket.complete_due:%Y-%m-%d}"}, style="List Bullet")
    if not report.overdue:
        doc.add_paragraph(_("None."))
    for title, png in report.charts:
        doc.add_heading(title, level=2)
        doc.add_picture(io.BytesIO(png), width=Inches(6))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Units")
    header, rows = _unit_table(report)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    city = book.create_sheet(_("City"))
    labels = rate_labels()
    city.append([_("Figure"), _("Value")])
    for name in RATES:
        city.append([labels[name], report.city.get(name)])
    city.append([_("Exempted tickets"), report.city.get("exempted", 0)])
    streets = book.create_sheet(_("Streets"))
    streets.append([_("Rank"), _("Street"), *(labels[n] for n in RATES)])
    for r in report.streets:
        streets.append([r.figures.get("rank"), r.scope_name, *(r.figures.get(n) for n in RATES)])
    overdue = book.create_sheet(_("Overdue"))
    overdue.append([_("Number"), _("Title"), _("Unit"), _("Due")])
    for t in report.overdue:
        overdue.append([t.number, t.title, t.unit.name if t.unit else "",
                        t.complete_due.replace(tzinfo=None) if t.complete_due else None])
    if report.charts:
        charts = book.create_sheet(_("Charts"))
        anchor = 1
        for _title, png in report.charts:
            charts.add_image(Image(io.BytesIO(png)), f"A{anchor}")
            anchor += 25
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def report_write(*, month: str | dt.date, out: Path) -> list[Path]:
    report = report_build(month=month)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"assessment-{report.month:%Y-%m}"
    paths = [out / f"{stem}.docx", out / f"{stem}.xlsx"]
    paths[0].write_bytes(docx_bytes(report))
    paths[1].write_bytes(xlsx_bytes(report))
    return paths
