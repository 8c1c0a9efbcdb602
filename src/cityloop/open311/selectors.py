"""Reads of the Open311 app.

Services: each active second-level category (under an active first-level one) is one Open311 service; its
`service_code` is the category code and its `group` the first-level category. Third-level categories are left
to the centre's classification after intake, since apps show a short list.

Service requests are the platform's public face, read without a user: `visible_to()` scopes what staff may
see, while these selectors scope what the public may see. They never carry personal data (name, phone,
e-mail are not read; phone numbers, ID-card numbers and e-mail addresses written into the free text are
masked), and tickets of type "report" (举报, whistle-blowing) are never published.
"""

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from cityloop.open311.errors import Open311Error
from cityloop.open311.formats import w3c_datetime
from cityloop.open311.models import Open311Request, ServiceAttribute
from cityloop.security.masking import mask_email, mask_name, mask_phone
from cityloop.tickets.choices import OPEN_STATUSES, Status, TicketType
from cityloop.tickets.models import Category, Ticket

if TYPE_CHECKING:
    from cityloop.open311.forms import RequestQuery

SERVICE_LEVEL = 2
UNPUBLISHED_TYPES = (TicketType.REPORT,)
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_CARD = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


# ---------------------------------------------------------------------------------------------- services
def _services() -> QuerySet[Category]:
    return Category.objects.filter(level=SERVICE_LEVEL, active=True, parent__active=True).select_related("parent")


def _name(category: Category | None) -> str:
    if category is None:
        return ""
    if translation.get_language() == "en" and category.name_en:
        return category.name_en
    return category.name


def service_list() -> list[dict[str, Any]]:
    has_attributes = ServiceAttribute.objects.filter(category=OuterRef("pk"))
    services = _services().annotate(metadata=Exists(has_attributes)).order_by("code")
    return [{"service_code": c.code, "service_name": _name(c),
             "description": f"{_name(c.parent)} / {_name(c)}" if c.parent else _name(c),
             "metadata": bool(c.metadata),  # type: ignore[attr-defined]  # annotated above
             "type": "realtime", "keywords": ", ".join(n for n in {c.name, c.name_en} if n),
             "group": _name(c.parent)} for c in services]


def service_get(code: str) -> Category:
    category = _services().filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("Unknown service_code: %(code)s") % {"code": code})
    return category


def service_definition(code: str) -> dict[str, Any]:
    category = service_get(code)
    attributes = ServiceAttribute.objects.filter(category=category).order_by("order")
    return {"service_code": category.code, "attributes": [
        {"variable": a.variable, "code": a.code, "datatype": a.datatype, "required": a.required,
         "datatype_description": a.datatype_description, "order": a.order, "description": a.description,
         "values": [{"key": str(v["key"]), "name": str(v.get("name", v["key"]))} for v in a.values]}
        for a in attributes]}


# ---------------------------------------------------------------------------------------------- requests
def _public() -> QuerySet[Ticket]:
    return (Ticket.objects.exclude(ticket_type__in=UNPUBLISHED_TYPES).exclude(number__isnull=True)
            .select_related("category__parent", "unit", "merged_into", "open311"))


def request_list(query: "RequestQuery") -> list[Ticket]:
    """The tickets a GET /requests asks for: service_request_id overrides every other parameter."""
    tickets = _public()
    if query.ids:
        return list(tickets.filter(number__in=query.ids))
    tickets = tickets.filter(created_at__gte=query.start, created_at__lte=query.end)
    if query.service_codes:
        codes = Q(pk__in=[])
        for path in Category.objects.filter(code__in=query.service_codes).values_list("path", flat=True):
            codes |= Q(category__path__startswith=path)
        tickets = tickets.filter(codes)
    if query.statuses and set(query.statuses) != {"open", "closed"}:
        open_filter = Q(status__in=OPEN_STATUSES)
        tickets = tickets.filter(open_filter if query.statuses == ["open"] else ~open_filter)
    if query.updated_after:
        tickets = tickets.filter(updated_at__gt=query.updated_after)
    if query.updated_before:
        tickets = tickets.filter(updated_at__lt=query.updated_before)
    first = (query.page - 1) * query.page_size
    return list(tickets.order_by("-created_at", "-id")[first:first + query.page_size])


def request_get(service_request_id: str) -> Ticket:
    ticket = _public().filter(number=service_request_id).first()
    if ticket is None:
        raise Open311Error(404, _("Unknown service_request_id: %(id)s") % {"id": service_request_id})
    return ticket


def token_get(token: str) -> dict[str, Any]:
    record = Open311Request.objects.select_related("ticket").filter(token=token).first()
    if record is None:
        raise Open311Error(404, _("Unknown token: %(token)s") % {"token": token})
    return {"service_request_id": record.ticket.number, "token": record.token}


def scrub(text: str, ticket: Ticket) -> str:
    """Personal data written into free text: phone and ID-card numbers, e-mail addresses, the citizen's name."""
    text = ID_CARD.sub(lambda m: m.group()[:6] + "*" * 12, text)
    text = MOBILE.sub(lambda m: mask_phone(m.group()), text)
    text = EMAIL.sub(lambda m: mask_email(m.group()), text)
    for name in (ticket.citizen_name.strip(), ticket.citizen_phone.strip(), ticket.citizen_email.strip()):
        if len(name) >= 2:
            text = text.replace(name, mask_name(name))
    return text


def _status_notes(ticket: Ticket) -> str:
    if ticket.status == Status.MERGED and ticket.merged_into is not None:
        return _("Merged into service request %(id)s.") % {"id": ticket.merged_into.number}
    if ticket.status == Status.INVALID:
        return _("Closed: not a service request.")
    return scrub(ticket.reply, ticket)


def _extra(ticket: Ticket) -> Open311Request | None:
    try:
        return ticket.open311
    except Open311Request.DoesNotExist:
        return None


def request_dict(ticket: Ticket) -> dict[str, Any]:
    """One request in the spec's field order; no personal data."""
    is_open = ticket.status in OPEN_STATUSES
    extra = _extra(ticket)
    updated = ticket.updated_at if is_open else (ticket.closed_at or ticket.updated_at)
    category = ticket.category
    if category is not None and category.level > SERVICE_LEVEL and category.parent_id:
        category = category.parent  # a third-level category is reported as its service
    return {
        "service_request_id": ticket.number,
        "status": "open" if is_open else "closed",
        "status_notes": _status_notes(ticket),
        "service_name": _name(category),
        "service_code": category.code if category else "",
        "description": scrub(ticket.description, ticket),
        "agency_responsible": ticket.unit.name if ticket.unit else "",
        "service_notice": "",
        "requested_datetime": w3c_datetime(ticket.created_at),
        "updated_datetime": w3c_datetime(updated),
        "expected_datetime": w3c_datetime(ticket.complete_due),
        "address": scrub(ticket.address, ticket),
        "address_id": extra.address_id if extra else "",
        "zipcode": "",
        "lat": ticket.latitude,
        "long": ticket.longitude,
        "media_url": extra.media_url if extra else "",
    }


def request_dicts(tickets: Iterable[Ticket]) -> list[dict[str, Any]]:
    return [request_dict(t) for t in tickets]
