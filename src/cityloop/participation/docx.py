"""The feedback report as a Word document (python-docx): the same rows as the web page."""

from io import BytesIO

from django.utils.translation import gettext as _

from cityloop.participation.models import Consultation
from cityloop.participation.selectors import ReportRow


def report_docx(consultation: Consultation, rows: list[ReportRow], counts: dict[str, int]) -> bytes:
    from docx import Document

    document = Document()
    document.add_heading(_("Feedback report: %(title)s") % {"title": consultation.title}, level=1)
    document.add_paragraph(_("Responsible office: %(office)s") % {"office": consultation.office.name})
    if consultation.published_at:
        document.add_paragraph(_("Published: %(date)s") % {"date": f"{consultation.published_at:%Y-%m-%d}"})
    if consultation.report_summary:
        document.add_paragraph(consultation.report_summary)
    document.add_paragraph(_("%(n)d opinions received.") % {"n": len(rows)} + " " + "; ".join(
        f"{label} {n}" for label, n in counts.items()))
    headers = [_("No."), _("Channel"), _("Section"), _("Opinion"), _("Status"), _("Decision"), _("Reason")]
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = str(text)
    for row in rows:
        cells = table.add_row().cells
        values = [str(row.number), str(row.opinion.get_channel_display()),
                  str(row.opinion.section) if row.opinion.section else _("Whole draft"), row.opinion.body,
                  row.status, row.decision_label, row.reason]
        for cell, text in zip(cells, values, strict=True):
            cell.text = text
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
