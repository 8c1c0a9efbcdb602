"""Writes of the Open311 app: API keys and their quotas, and a posted service request becoming a ticket.

A posted request goes through the intake pipeline (`cityloop.intake.services.ticket_intake`) like every other
channel, with channel "open311", no actor (the citizen is anonymous to us; the key names the app) and an
idempotency key,
so that a retried POST returns the first ticket instead of making a second one:

* a client that sends an `Idempotency-Key` header gets exactly that key (scoped to its API key);
* otherwise the key is the SHA-256 of the form body without `api_key` (every field, sorted), which includes
  `device_id`: the same app sending the same report from the same device twice is one request.
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cityloop.core import clock
from cityloop.intake.services import ticket_intake
from cityloop.open311.errors import Open311Error
from cityloop.open311.models import Open311Key, Open311Request
from cityloop.tickets.choices import Channel, TicketType
from cityloop.tickets.models import Category
from cityloop.tickets.services import TicketInput

KEY_PREFIX = "o311_"
TITLE_LENGTH = 60


# ---------------------------------------------------------------------------------------------- keys
def open311_key_create(*, name: str, daily_quota: int = 1000) -> tuple[Open311Key, str]:
    """A new key; the key itself is returned once and only its hash is kept."""
    for _attempt in range(5):
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        try:
            with transaction.atomic():
                record = Open311Key.objects.create(name=name, key_hash=Open311Key.hash_key(key),
                                                   prefix=key[:12], daily_quota=daily_quota)
        except IntegrityError:
            continue  # a prefix collision: draw again
        return record, key
    raise RuntimeError("could not draw a unique key prefix")


def open311_key_revoke(*, prefix: str) -> int:
    return Open311Key.objects.filter(prefix=prefix, revoked_at__isnull=True).update(revoked_at=clock.now())


def open311_key_authenticate(key: str) -> Open311Key:
    """The active key, or a 403 that says what is wrong."""
    if not key:
        raise Open311Error(403, _("An api_key is required to submit a service request."))
    record = Open311Key.objects.filter(key_hash=Open311Key.hash_key(key)).first()
    if record is None:
        raise Open311Error(403, _("The api_key is not valid."))
    if record.revoked_at is not None:
        raise Open311Error(403, _("The api_key has been revoked."))
    return record


def open311_key_consume(*, key: Open311Key) -> None:
    """Count one POST against the key's daily quota (in local days); 429 once the quota is used up."""
    today = timezone.localdate(clock.now())
    counted = Open311Key.objects.filter(pk=key.pk, used_on=today, used_today__lt=F("daily_quota")).update(
        used_today=F("used_today") + 1)
    if not counted:
        # the first request of the day resets the counter (only one of two racing requests wins this)
        counted = Open311Key.objects.filter(Q(used_on__lt=today) | Q(used_on__isnull=True), pk=key.pk,
                                            daily_quota__gte=1).update(used_on=today, used_today=1)
    if not counted:
        raise Open311Error(429, _("This api_key has used its daily quota of %(n)d requests; try again tomorrow.")
                           % {"n": key.daily_quota})


# ---------------------------------------------------------------------------------------------- requests
@dataclass
class Submission:
    """A parsed and checked POST /requests body."""

    category: Category
    title: str
    description: str
    latitude: float | None = None
    longitude: float | None = None
    address_string: str = ""
    address_id: str = ""
    citizen_name: str = ""
    phone: str = ""
    email: str = ""
    account_id: str = ""
    device_id: str = ""
    media_url: str = ""
    jurisdiction_id: str = ""
    attributes: dict[str, str | list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class SubmitResult:
    record: Open311Request
    created: bool


def idempotency_key_for(body: list[tuple[str, str]], header_key: str = "") -> str:
    if header_key:
        return "c:" + header_key
    canonical = "\n".join(f"{k}={v}" for k, v in sorted(body) if k != "api_key")
    return "h:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def open311_request_submit(*, key: Open311Key, submission: Submission, idempotency_key: str) -> SubmitResult:
    """Make the ticket (or find the one an earlier attempt made) and keep the Open311 extras beside it."""
    data = TicketInput(
        channel=Channel.OPEN311, ticket_type=TicketType.HELP, title=submission.title,
        description=submission.description, category_id=submission.category.pk,
        citizen_name=submission.citizen_name, citizen_phone=submission.phone, citizen_email=submission.email,
        address=submission.address_string, latitude=submission.latitude, longitude=submission.longitude)
    with transaction.atomic():
        # The same intake pipeline as every other channel: classification, place, duplicates, advice.
        result = ticket_intake(actor=None, data=data, idempotency_key=idempotency_key,
                               client=f"open311:{key.prefix}")
        ticket, created = result.ticket, result.created
        record = Open311Request.objects.filter(ticket=ticket).first()
        if record is None:
            record = Open311Request.objects.create(
                key=key, ticket=ticket, token=secrets.token_hex(16), jurisdiction_id=submission.jurisdiction_id,
                account_id=submission.account_id, device_id=submission.device_id,
                address_id=submission.address_id, media_url=submission.media_url,
                attributes=submission.attributes, created_at=ticket.created_at or clock.now())
    return SubmitResult(record=record, created=created)


def describe(service_name: str, description: str, answers: list[tuple[str, str]]) -> tuple[str, str]:
    """The ticket's title and description: the citizen's words first, the answered attributes after them."""
    first_line = next((line.strip() for line in description.splitlines() if line.strip()), "")
    title = first_line[:TITLE_LENGTH] + ("…" if len(first_line) > TITLE_LENGTH else "") if first_line else ""
    body = description.strip() or service_name
    if answers:
        body += "\n\n" + "\n".join(f"{question}: {answer}" for question, answer in answers)
    return title or service_name, body


def as_aware(value: dt.datetime) -> dt.datetime:
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def deferred_responses() -> bool:
    """OPEN311_DEFERRED_RESPONSES = True answers a POST with a token (intake here is synchronous, so it resolves
    at once); by default the POST answers with the service_request_id."""
    return bool(getattr(settings, "OPEN311_DEFERRED_RESPONSES", False))
