"""Export of the tickets a person may see, to CSV or Excel, saying who exported them and when.

Rows come from `ticket_list_visible(user)` (the `visible_to` gate); a citizen's name, phone and e-mail are
masked on every ticket where the person lacks `ticket.view_contact`. The CSV (UTF-8 with BOM, which Excel on
Chinese Windows needs) starts with one line naming the exporter and the time; the workbook carries the same in
its document properties (creator, created, description) and in its sheet's first row. The export is recorded
in the audit log.
"""

import csv
import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityloop.core import clock
from cityloop.open311.formats import w3c_datetime
from cityloop.open311.tables import excel_value, safe_cell
from cityloop.security import grants as g
from cityloop.security.access import grants_for
from cityloop.security.audit import audit_record
from cityloop.security.masking import mask_email, mask_name, mask_phone
from cityloop.tickets.models import Ticket
from cityloop.tickets.selectors import ticket_list_visible

FORMATS = ("csv", "xlsx")


def _columns() -> list[tuple[str, str]]:
    return [("number", _("Ticket number")), ("created_at", _("Received at")), ("channel", _("Channel")),
            ("ticket_type", _("Type")), ("urgency", _("Urgency")), ("category", _("Category")),
            ("title", _("Title")), ("description", _("Description")), ("status", _("Status")),
            ("unit", _("Handling unit")), ("area", _("Area")), ("address", _("Address")),
            ("latitude", _("Latitude")), ("longitude", _("Longitude")), ("citizen_name", _("Citizen name")),
            ("citizen_phone", _("Citizen phone")), ("citizen_email", _("Citizen e-mail")),
            ("complete_due", _("Completion due")), ("completed_at", _("Completed at")),
            ("closed_at", _("Closed at")), ("reply", _("Reply"))]


def _rows(user: Any, status: str | None) -> Iterator[tuple[Ticket, dict[str, Any]]]:
    contact = grants_for(user, g.VIEW_CONTACT)
    tickets = (ticket_list_visible(user, status=status or None).select_related("category", "unit", "area")
               .prefetch_related("co_units").order_by("created_at", "id"))
    for ticket in tickets.iterator(chunk_size=2000):
        shown = not contact.empty and ticket.in_scope(contact)
        yield ticket, {
            "number": ticket.number, "created_at": ticket.created_at, "channel": ticket.get_channel_display(),
            "ticket_type": ticket.get_ticket_type_display(), "urgency": ticket.get_urgency_display(),
            "category": ticket.category.name if ticket.category else "", "title": ticket.title,
            "description": ticket.description, "status": ticket.get_status_display(),
            "unit": ticket.unit.name if ticket.unit else "", "area": ticket.area.name if ticket.area else "",
            "address": ticket.address, "latitude": ticket.latitude, "longitude": ticket.longitude,
            "citizen_name": ticket.citizen_name if shown else mask_name(ticket.citizen_name),
            "citizen_phone": ticket.citizen_phone if shown else mask_phone(ticket.citizen_phone),
            "citizen_email": ticket.citizen_email if shown else mask_email(ticket.citizen_email),
            "complete_due": ticket.complete_due, "completed_at": ticket.completed_at,
            "closed_at": ticket.closed_at, "reply": ticket.reply}


def _stamp(user: Any, now: dt.datetime) -> str:
    return _("Exported by %(user)s at %(time)s (times in %(tz)s)") % {
        "user": user.get_username(), "time": w3c_datetime(now), "tz": timezone.get_current_timezone_name()}


def _write_csv(path: Path, user: Any, rows: Iterator[dict[str, Any]], now: dt.datetime) -> int:
    columns = _columns()
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([_stamp(user, now)])
        writer.writerow([label for _key, label in columns])
        for row in rows:
            writer.writerow([w3c_datetime(v) if isinstance(v, dt.datetime) else safe_cell("" if v is None else v)
                             for v in (row[key] for key, _label in columns)])
            count += 1
    return count


def _write_xlsx(path: Path, user: Any, rows: Iterator[dict[str, Any]], now: dt.datetime) -> int:
    from openpyxl import Workbook

    columns = _columns()
    workbook = Workbook(write_only=True)
    workbook.properties.creator = user.get_username()
    workbook.properties.created = timezone.localtime(now).replace(tzinfo=None)
    workbook.properties.title = str(_("Tickets"))
    workbook.properties.description = _stamp(user, now)
    sheet = workbook.create_sheet(str(_("Tickets")))
    sheet.append([_stamp(user, now)])
    sheet.append([label for _key, label in columns])
    count = 0
    for row in rows:
        sheet.append([excel_value(timezone.localtime(v) if isinstance(v, dt.datetime) else v)
                      for v in (row[key] for key, _label in columns)])
        count += 1
    workbook.save(path)
    return count


def ticket_export(*, user: Any, fmt: str, out: str | os.PathLike[str], status: str | None = None) -> int:
    """Write the file (to a temporary name first, so that a failure leaves no half file); returns the rows."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    out = Path(out)
    now = clock.now()
    rows = (row for _ticket, row in _rows(user, status))
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=f".{fmt}")
    os.close(handle)
    try:
        count = (_write_csv if fmt == "csv" else _write_xlsx)(Path(temporary), user, rows, now)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    with transaction.atomic():
        audit_record(actor=user, action="ticket.export", object_type="ticket",
                     data={"format": fmt, "status": status or "", "rows": count, "file": out.name})
    return count
