"""The portal's writes: a citizen's report, one-time codes, the citizen account, subscriptions.

One-time codes and the citizen account are shared: participation signs residents in with the same
`otp_request` / `otp_verify` (without a ticket number), so that one person has one account however they came.

Tickets themselves are only ever written through `cityloop.tickets.services`.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from cityloop.core import clock
from cityloop.core.errors import Conflict, InvalidInput, NotFound
from cityloop.handling.services import attachment_add_to_new_report
from cityloop.portal.choices import CodePurpose
from cityloop.portal.contacts import EMAIL, Contact, is_mobile, normalize_email, normalize_phone
from cityloop.portal.models import OneTimeCode, Subscription
from cityloop.portal.photos import MAX_PHOTO_BYTES, photo_content_type
from cityloop.portal.sms import sms_sender
from cityloop.security.masking import mask_email, mask_phone
from cityloop.tickets.choices import Channel
from cityloop.tickets.models import Ticket
from cityloop.tickets.selectors import ticket_get
from cityloop.tickets.services import TicketInput, ticket_create

CODE_DIGITS = 6
CODE_VALID = timedelta(minutes=10)
MAX_ATTEMPTS = 5
CODES_PER_HOUR = 3
# ticket_create() scopes idempotency keys by client; all portal reports share one scope.
IDEMPOTENCY_CLIENT = "portal"


@dataclass
class ReportInput:
    ticket_type: str
    title: str
    description: str
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    citizen_name: str = ""
    citizen_phone: str = ""  # normalised (cityloop.portal.contacts)
    citizen_email: str = ""


def report_submit(*, actor: Any, data: ReportInput, idempotency_key: str = "",
                  photo: UploadedFile | None = None) -> tuple[Ticket, bool]:
    """A citizen's report from the web form. Returns (ticket, created); a double submit returns the first.

    `actor` is the signed-in citizen or None for an anonymous report; the area comes from the point either way.
    The photo (checked by the form) is kept with a new ticket only, where the handling app's attachments exist.
    """
    with transaction.atomic():
        ticket, created = ticket_create(
            actor=actor, data=TicketInput(channel=Channel.WEB, **data.__dict__),
            idempotency_key=idempotency_key, client=IDEMPOTENCY_CLIENT)
        if created and photo is not None:
            _attach_photo(ticket=ticket, actor=actor, photo=photo)
    return ticket, created


def _attach_photo(*, ticket: Ticket, actor: Any, photo: UploadedFile) -> None:
    """Store the reporter's photo with the ticket just created (checked by the form; checked again here)."""
    if photo_content_type(photo) is None or (photo.size or 0) > MAX_PHOTO_BYTES:
        raise InvalidInput(_("The photo must be a JPEG or PNG picture of at most 5 MB."), code="photo_invalid",
                           details={"field": "photo"})
    attachment_add_to_new_report(actor=actor, ticket=ticket, file=photo)


# --- one-time codes ------------------------------------------------------------------------------------------


def _code_hash(purpose: str, ticket_id: int | None, contact: str, code: str) -> str:
    """Keyed with SECRET_KEY: a copy of the table alone does not let anyone try the million codes offline."""
    message = f"{purpose}:{ticket_id or ''}:{contact}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _stored_contact(ticket: Ticket, kind: str) -> str:
    """The ticket's phone or e-mail in normal form (staff may have typed "138 1234 5678"), or ""."""
    try:
        if kind == EMAIL:
            return normalize_email(ticket.citizen_email).lower() if ticket.citizen_email else ""
        return normalize_phone(ticket.citizen_phone) if ticket.citizen_phone else ""
    except ValidationError:
        return ""


def _ticket_for(number: str, contact: Contact) -> Ticket | None:
    """The ticket with this number, if the contact is the one given on it."""
    ticket = Ticket.objects.filter(number=number).only("pk", "number", "citizen_phone", "citizen_email").first()
    wanted = contact.value.lower() if contact.kind == EMAIL else contact.value
    if ticket is None or not wanted or _stored_contact(ticket, contact.kind) != wanted:
        return None
    return ticket


def otp_request(*, contact: Contact, number: str | None = None) -> bool:
    """Send a code to the contact: for tracking ticket `number`, or, without a number, for signing in.

    Tracking: the code is sent only if the contact is the one given on the ticket, and the call returns
    whether it was; the caller tells the person the same in both cases, so that nobody learns who reported
    which ticket. Signing in: the code is always sent (holding the phone or mailbox is the proof), so the
    answer says nothing about whether the contact has an account. At most CODES_PER_HOUR codes an hour per
    ticket (tracking) or per contact (signing in); a new code replaces the earlier ones.
    """
    ticket = None
    if number is not None:
        ticket = _ticket_for(number, contact)
        if ticket is None:
            return False
    if contact.kind != EMAIL and not is_mobile(contact.value):
        raise InvalidInput(_("Codes can only be sent to a mobile number or an e-mail address."),
                           code="not_mobile", details={"field": "contact"})
    purpose = CodePurpose.TRACK if ticket is not None else CodePurpose.SIGN_IN
    now = clock.now()
    with transaction.atomic():
        recent = OneTimeCode.objects.filter(purpose=purpose, created_at__gt=now - timedelta(hours=1))
        recent = recent.filter(ticket=ticket) if ticket is not None else recent.filter(contact=contact.value)
        if recent.count() >= CODES_PER_HOUR:
            raise Conflict(_("Too many codes were asked for this ticket. Try again in an hour.") if ticket
                           else _("Too many codes were asked for this phone number or e-mail address. Try again "
                                  "in an hour."), code="otp_throttled", details={"field": "contact"})
        OneTimeCode.objects.filter(purpose=purpose, ticket=ticket, contact=contact.value,
                                   used_at__isnull=True).update(used_at=now)
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        ticket_id = ticket.pk if ticket is not None else None
        OneTimeCode.objects.create(purpose=purpose, ticket_id=ticket_id, contact=contact.value, created_at=now,
                                   expires_at=now + CODE_VALID,
                                   code_hash=_code_hash(purpose, ticket_id, contact.value, code))
        if ticket is not None:
            subject = _("Your code for ticket %(number)s") % {"number": ticket.number}
            text = _("Your code for ticket %(number)s is %(code)s. It is valid for 10 minutes. "
                     "Do not give it to anyone.") % {"number": ticket.number, "code": code}
        else:
            subject = _("Your sign-in code")
            text = _("Your sign-in code is %(code)s. It is valid for 10 minutes. Do not give it to anyone.") % {
                "code": code}
        transaction.on_commit(lambda: _deliver(contact, subject, text), robust=True)
    return True


def _deliver(contact: Contact, subject: str, text: str) -> None:
    if contact.kind == EMAIL:
        send_mail(subject, text, None, [contact.value])
    else:
        sms_sender().send(contact.value, text)


def otp_verify(*, contact: Contact, code: str, number: str | None = None) -> Any:
    """Check the code sent by `otp_request` (same `number`, or none for signing in); on success return the
    citizen account for the contact, with its tickets linked to it.

    A wrong code counts as an attempt (committed even though the call fails); after MAX_ATTEMPTS wrong ones
    the code is dead and a new one must be asked for. No code at all (the contact was not the ticket's) and a
    dead code give the same refusal as a wrong one, so that the answer does not tell whose ticket it is.
    """
    now = clock.now()
    wrong = _("The code is not right.")
    codes = OneTimeCode.objects.filter(contact=contact.value, used_at__isnull=True)
    if number is not None:
        codes = codes.filter(purpose=CodePurpose.TRACK, ticket__number=number)
    else:
        codes = codes.filter(purpose=CodePurpose.SIGN_IN, ticket__isnull=True)
    otp = codes.order_by("-created_at", "-pk").first()
    if otp is None or otp.attempts >= MAX_ATTEMPTS:
        raise InvalidInput(wrong, code="otp_wrong", details={"field": "code"})
    if otp.expires_at <= now:
        raise InvalidInput(_("This code has expired. Ask for a new code."), code="otp_expired",
                           details={"field": "code"})
    if not hmac.compare_digest(otp.code_hash, _code_hash(otp.purpose, otp.ticket_id, contact.value, code.strip())):
        OneTimeCode.objects.filter(pk=otp.pk).update(attempts=F("attempts") + 1)
        raise InvalidInput(wrong, code="otp_wrong", details={"field": "code"})
    with transaction.atomic():
        used = OneTimeCode.objects.filter(pk=otp.pk, used_at__isnull=True).update(used_at=now)
        if used != 1:  # the same code entered twice at once
            raise InvalidInput(wrong, code="otp_wrong", details={"field": "code"})
        user = citizen_account_for(contact)
        citizen_link_tickets(user=user, contact=contact, ticket_id=otp.ticket_id)
    return user


CITIZEN_PREFIX = "c:"


def citizen_username(contact: Contact) -> str:
    """The username of the one account of a phone number or e-mail address, however the person signed in."""
    return CITIZEN_PREFIX + hashlib.sha256(contact.value.lower().encode()).hexdigest()[:20]


def citizen_account_for(contact: Contact) -> Any:
    """The citizen account of a phone number or e-mail address, created on first use (no password)."""
    user_model = get_user_model()
    username = citizen_username(contact)
    user = user_model.objects.filter(username=username).first()
    if user is None:
        try:
            with transaction.atomic():
                user = user_model.objects.create_user(
                    username, email=contact.value if contact.kind == EMAIL else "", password=None,
                    first_name=_masked(contact))
        except IntegrityError:  # created meanwhile by a parallel sign-in
            user = user_model.objects.get(username=username)
    return user


def _masked(contact: Contact) -> str:
    """How the page header names a citizen account: the contact, masked."""
    return (mask_email(contact.value) if contact.kind == EMAIL else mask_phone(contact.value))[:150]


def citizen_link_tickets(*, user: Any, contact: Contact, ticket_id: int | None = None) -> int:
    """Give the account every ticket reported with this contact that has no account yet (one UPDATE).

    The contact matches as stored in normal form; `ticket_id`, the ticket the code was checked against, is
    linked also where staff typed the contact differently.
    """
    match = Q(citizen_email__iexact=contact.value) if contact.kind == EMAIL else Q(citizen_phone=contact.value)
    if ticket_id is not None:
        match |= Q(pk=ticket_id)
    return Ticket.objects.filter(match, citizen__isnull=True).update(citizen=user)


# --- subscriptions -------------------------------------------------------------------------------------------


def subscription_set(*, actor: Any, ticket_id: int, email: str, active: bool) -> Subscription:
    """Subscribe an e-mail address to a ticket the actor may see, or unsubscribe it."""
    ticket = ticket_get(actor, ticket_id)  # NotFound when the actor may not see it
    with transaction.atomic():
        subscription, _created = Subscription.objects.update_or_create(
            ticket=ticket, email=email, defaults={"active": active, "updated_at": clock.now()})
    return subscription


def subscription_cancel(*, subscription_id: int) -> Subscription:
    """Unsubscribe through the signed link in an e-mail (the link is the proof; no account needed)."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().filter(pk=subscription_id).first()
        if subscription is None:
            raise NotFound(_("Not found."))
        if subscription.active:
            subscription.active = False
            subscription.updated_at = clock.now()
            subscription.save(update_fields=["active", "updated_at"])
    return subscription


UNSUBSCRIBE_SALT = "cityloop.portal.unsubscribe"


def subscription_unsubscribe_token(subscription: Subscription) -> str:
    """The signed token of the one-click unsubscribe link (`portal:unsubscribe`) for update e-mails."""
    from django.core import signing

    return signing.dumps(subscription.pk, salt=UNSUBSCRIBE_SALT)


def subscription_id_from_token(token: str) -> int:
    from django.core import signing

    try:
        return int(signing.loads(token, salt=UNSUBSCRIBE_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        raise NotFound(_("Not found.")) from None
