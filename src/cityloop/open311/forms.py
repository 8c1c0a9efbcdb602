"""Reading GeoReport v2 parameters: an optional parameter sent empty is treated exactly as if it were absent."""

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from cityloop.core import clock
from cityloop.open311.choices import Datatype
from cityloop.open311.errors import Open311Error
from cityloop.open311.models import ServiceAttribute
from cityloop.open311.selectors import service_get
from cityloop.open311.services import Submission, describe

MAX_DESCRIPTION = 4000
MAX_SPAN = dt.timedelta(days=90)
MAX_PAGE_SIZE = 1000
MAX_IDS = 1000
ATTRIBUTE = re.compile(r"^attribute\[(?P<code>[^\[\]]+)\](?P<many>\[\])?$")
# "…T10:00:00 08:00": a '+' that the client did not percent-encode arrives as a space
UNENCODED_PLUS = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


def _value(data: QueryDict, name: str) -> str:
    return (data.get(name) or "").strip()


def _comma_list(data: QueryDict, name: str) -> list[str]:
    return [part.strip() for value in data.getlist(name) for part in value.split(",") if part.strip()]


def check_jurisdiction(data: QueryDict) -> str:
    """`jurisdiction_id` is accepted; when the platform names its own (OPEN311_JURISDICTION_ID), others are 404."""
    jurisdiction = _value(data, "jurisdiction_id")
    own = getattr(settings, "OPEN311_JURISDICTION_ID", "")
    if jurisdiction and own and jurisdiction != own:
        raise Open311Error(404, _("Unknown jurisdiction_id: %(value)s") % {"value": jurisdiction})
    return jurisdiction


def parse_w3c(value: str, name: str) -> dt.datetime:
    """A W3C/ISO 8601 datetime (a date alone means its midnight); without an offset, the platform's time zone."""
    value = UNENCODED_PLUS.sub(r"\1+\2", value.strip())
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            moment = dt.datetime.combine(day, dt.time()) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(400, _("%(name)s is not an ISO 8601 datetime such as 2026-01-31T09:30:00+08:00.")
                           % {"name": name})
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _positive_int(data: QueryDict, name: str, default: int, maximum: int) -> int:
    raw = _value(data, name)
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise Open311Error(400, _("%(name)s must be a whole number from 1 to %(max)d.")
                           % {"name": name, "max": maximum})
    return int(raw)


@dataclass(frozen=True)
class RequestQuery:
    ids: list[str]
    service_codes: list[str]
    start: dt.datetime
    end: dt.datetime
    statuses: list[str]
    updated_after: dt.datetime | None
    updated_before: dt.datetime | None
    page: int
    page_size: int


def _window(start: dt.datetime | None, end: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    """A missing end is 90 days after the start, a missing start 90 days before the end; neither: the last 90."""
    if start is not None and end is not None:
        return start, end
    if start is not None:
        return start, start + MAX_SPAN
    end = end or clock.now()
    return end - MAX_SPAN, end


def parse_request_query(data: QueryDict) -> RequestQuery:
    check_jurisdiction(data)
    ids = _comma_list(data, "service_request_id")
    if len(ids) > MAX_IDS:
        raise Open311Error(400, _("Ask for at most %(n)d service_request_id values at once.") % {"n": MAX_IDS})
    statuses = [s.lower() for s in _comma_list(data, "status")]
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error(400, _("status must be open, closed or both (comma separated)."))
    start_raw, end_raw = _value(data, "start_date"), _value(data, "end_date")
    start, end = _window(parse_w3c(start_raw, "start_date") if start_raw else None,
                         parse_w3c(end_raw, "end_date") if end_raw else None)
    if end < start:
        raise Open311Error(400, _("end_date must not be before start_date."))
    if end - start > MAX_SPAN:
        raise Open311Error(400, _("start_date and end_date may be at most 90 days apart."))
    after_raw, before_raw = _value(data, "updated_after"), _value(data, "updated_before")
    return RequestQuery(
        ids=ids, service_codes=_comma_list(data, "service_code"), start=start, end=end, statuses=statuses,
        updated_after=parse_w3c(after_raw, "updated_after") if after_raw else None,
        updated_before=parse_w3c(before_raw, "updated_before") if before_raw else None,
        page=_positive_int(data, "page", 1, 1_000_000),
        page_size=_positive_int(data, "page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE))


# ---------------------------------------------------------------------------------------------- POST
def _coordinate(raw: str, name: str, limit: float) -> float:
    try:
        value = float(Decimal(raw))
    except (InvalidOperation, ValueError):
        value = math.nan
    if not -limit <= value <= limit:  # also false for NaN
        raise Open311Error(400, _("%(name)s must be a WGS84 coordinate between -%(limit)d and %(limit)d.")
                           % {"name": name, "limit": limit})
    return value


def _attribute_values(data: QueryDict) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, posted in data.lists():
        match = ATTRIBUTE.match(name)
        if match:
            values.setdefault(match["code"], []).extend(v.strip() for v in posted if v.strip())
    return values


def _check_attribute(attribute: ServiceAttribute, given: list[str]) -> str | list[str]:
    name = attribute.code
    if attribute.datatype == Datatype.MULTIVALUELIST:
        unknown = [v for v in given if v not in attribute.value_keys]
        if unknown:
            raise Open311Error(400, _("attribute[%(code)s] has no value %(value)s.")
                               % {"code": name, "value": unknown[0]})
        return list(dict.fromkeys(given))
    if len(given) > 1:
        raise Open311Error(400, _("attribute[%(code)s] takes one value.") % {"code": name})
    value = given[0]
    if attribute.datatype == Datatype.SINGLEVALUELIST and value not in attribute.value_keys:
        raise Open311Error(400, _("attribute[%(code)s] has no value %(value)s.") % {"code": name, "value": value})
    if attribute.datatype == Datatype.NUMBER:
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            raise Open311Error(400, _("attribute[%(code)s] must be a number.") % {"code": name})
    if attribute.datatype == Datatype.DATETIME:
        value = parse_w3c(value, f"attribute[{name}]").isoformat()
    if attribute.datatype == Datatype.STRING and len(value) > 200:
        raise Open311Error(400, _("attribute[%(code)s] is longer than %(n)d characters.") % {"code": name, "n": 200})
    return value


def _full_name(first: str, last: str) -> str:
    if not (first and last):
        return first or last
    # 张 + 三 → 张三; John + Smith → John Smith
    return f"{first} {last}" if (first + last).isascii() else f"{last}{first}"


def parse_submission(data: QueryDict) -> Submission:
    """Check a POST /requests body (form-encoded, UTF-8) against the spec and the service's attributes."""
    jurisdiction = check_jurisdiction(data)
    code = _value(data, "service_code")
    if not code:
        raise Open311Error(400, _("service_code is required."))
    category = service_get(code)
    lat_raw, long_raw = _value(data, "lat"), _value(data, "long")
    address_string, address_id = _value(data, "address_string"), _value(data, "address_id")
    if bool(lat_raw) != bool(long_raw):
        raise Open311Error(400, _("Send lat and long together."))
    if not (lat_raw or address_string or address_id):
        raise Open311Error(400, _("A location is required: lat and long, address_string or address_id."))
    latitude = _coordinate(lat_raw, "lat", 90) if lat_raw else None
    longitude = _coordinate(long_raw, "long", 180) if long_raw else None

    description = strip_tags(_value(data, "description"))
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, _("description may be at most %(n)d characters.") % {"n": MAX_DESCRIPTION})
    email, media_url = _value(data, "email"), _value(data, "media_url")
    try:
        if email:
            validate_email(email)
    except ValidationError as exc:
        raise Open311Error(400, _("email is not a valid e-mail address.")) from exc
    try:
        if media_url:
            URLValidator(schemes=["http", "https"])(media_url)
    except ValidationError as exc:
        raise Open311Error(400, _("media_url is not a valid http(s) URL.")) from exc
    limits = {"first_name": 50, "last_name": 50, "phone": 32, "account_id": 100, "device_id": 100,
              "address_id": 100, "address_string": 300}
    for name, limit in limits.items():
        if len(_value(data, name)) > limit:
            raise Open311Error(400, _("%(name)s may be at most %(n)d characters.") % {"name": name, "n": limit})

    posted = _attribute_values(data)
    answers: dict[str, str | list[str]] = {}
    described: list[tuple[str, str]] = []
    for attribute in ServiceAttribute.objects.filter(category=category, variable=True).order_by("order"):
        given = posted.get(attribute.code, [])
        if not given:
            if attribute.required:
                raise Open311Error(400, _("attribute[%(code)s] is required.") % {"code": attribute.code})
            continue
        value = _check_attribute(attribute, given)
        answers[attribute.code] = value
        names = {str(v["key"]): str(v.get("name", v["key"])) for v in attribute.values}
        shown = [names.get(v, v) for v in value] if isinstance(value, list) else [names.get(value, value)]
        described.append((attribute.description, "、".join(shown)))

    title, body = describe(category.name, description, described)
    return Submission(
        category=category, title=title, description=body, latitude=latitude, longitude=longitude,
        address_string=address_string, address_id=address_id,
        citizen_name=_full_name(_value(data, "first_name"), _value(data, "last_name")),
        phone=_value(data, "phone"), email=email, account_id=_value(data, "account_id"),
        device_id=_value(data, "device_id"), media_url=media_url, jurisdiction_id=jurisdiction,
        attributes=answers)
