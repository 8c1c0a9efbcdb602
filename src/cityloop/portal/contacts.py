"""Citizens' contact details: one normal form for phones and e-mail addresses, so that lookups match exactly."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

# Mainland mobile numbers (11 digits from 13x to 19x) and landlines with their area code (0 + 2–3 digits + 7–8).
MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{9,11}")
_SEPARATORS = re.compile(r"[\s\-()（）]")

PHONE, EMAIL = "phone", "email"


def normalize_phone(raw: str) -> str:
    """Digits only, without the +86 / 0086 prefix; raises ValidationError for what is not a phone number."""
    phone = _SEPARATORS.sub("", raw.strip())
    for prefix in ("+86", "0086"):
        if phone.startswith(prefix):
            phone = phone[len(prefix):]
    if not (MOBILE.fullmatch(phone) or LANDLINE.fullmatch(phone)):
        raise ValidationError(
            _("Enter a mobile number (11 digits, such as 13812345678) or a landline with its area code."),
            code="invalid_phone")
    return phone


def is_mobile(phone: str) -> bool:
    return MOBILE.fullmatch(phone) is not None


def normalize_email(raw: str) -> str:
    email = raw.strip()
    validate_email(email)
    local, _at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


@dataclass(frozen=True)
class Contact:
    kind: str  # PHONE or EMAIL
    value: str  # normalised


def parse_contact(raw: str) -> Contact:
    """A phone number or an e-mail address, whichever the person typed."""
    if "@" in raw:
        try:
            return Contact(EMAIL, normalize_email(raw))
        except ValidationError:
            raise ValidationError(_("Enter a valid e-mail address."), code="invalid_email") from None
    return Contact(PHONE, normalize_phone(raw))
