"""The portal's forms: they parse and check what people type; the services decide."""

import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from cityloop.portal.contacts import Contact, normalize_email, normalize_phone, parse_contact
from cityloop.portal.photos import MAX_PHOTO_BYTES, photo_content_type
from cityloop.portal.services import ReportInput
from cityloop.tickets.choices import Satisfaction, TicketType
from cityloop.tickets.services import TransitionInput

# The order citizens are offered the types in: the common ones first.
REPORT_TYPES = [TicketType.COMPLAINT, TicketType.HELP, TicketType.REPORT, TicketType.SUGGESTION,
                TicketType.INQUIRY, TicketType.PRAISE]


class ReportForm(forms.Form):
    ticket_type = forms.ChoiceField(label=_("What kind of message is it?"),
                                    choices=[(t.value, t.label) for t in REPORT_TYPES], initial=TicketType.COMPLAINT,
                                    widget=forms.RadioSelect)
    title = forms.CharField(label=_("Subject"), max_length=200,
                            widget=forms.TextInput(attrs={"autocomplete": "off"}))
    description = forms.CharField(label=_("What happened?"), max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 6}),
                                  help_text=_("Where, since when, who is affected. Up to 5,000 characters."))
    address = forms.CharField(label=_("Address"), max_length=300, required=False,
                              help_text=_("Street, building, nearby landmark. You may also click the place on "
                                          "the map."))
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    citizen_name = forms.CharField(label=_("Your name"), max_length=100, required=False,
                                   widget=forms.TextInput(attrs={"autocomplete": "name"}))
    citizen_phone = forms.CharField(label=_("Mobile phone"), max_length=32, required=False,
                                    widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
                                    help_text=_("Give a phone number, an e-mail address or both: you track the "
                                                "ticket with a code sent there."))
    citizen_email = forms.CharField(label=_("E-mail"), max_length=254, required=False,
                                    widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    photo = forms.FileField(label=_("Photo (optional)"), required=False, widget=forms.FileInput(
        attrs={"accept": "image/jpeg,image/png"}), help_text=_("A JPEG or PNG picture of at most 5 MB."))
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def clean_idempotency_key(self) -> str:
        """A fresh random key per form; anything else (a tampered field) just gets no double-submit guard."""
        key = self.cleaned_data.get("idempotency_key") or ""
        try:
            return uuid.UUID(key).hex
        except ValueError:
            return ""

    def clean_citizen_phone(self) -> str:
        raw = self.cleaned_data.get("citizen_phone") or ""
        return normalize_phone(raw) if raw.strip() else ""

    def clean_citizen_email(self) -> str:
        raw = self.cleaned_data.get("citizen_email") or ""
        if not raw.strip():
            return ""
        try:
            return normalize_email(raw)
        except ValidationError:
            raise ValidationError(_("Enter a valid e-mail address."), code="invalid_email") from None

    def clean_photo(self) -> UploadedFile | None:
        photo: UploadedFile | None = self.cleaned_data.get("photo")
        if photo is None:
            return None
        if (photo.size or 0) > MAX_PHOTO_BYTES:
            raise ValidationError(_("The photo is larger than 5 MB."), code="photo_too_large")
        if photo_content_type(photo) is None:
            raise ValidationError(_("The photo must be a JPEG or PNG picture."), code="photo_type")
        return photo

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if ("citizen_phone" not in self.errors and "citizen_email" not in self.errors
                and not data.get("citizen_phone") and not data.get("citizen_email")):
            self.add_error("citizen_phone", _("Give a phone number or an e-mail address so that we can reply."))
        if "latitude" in self.errors or "longitude" in self.errors:  # hidden fields: say it where it shows
            self.errors.pop("latitude", None)
            self.errors.pop("longitude", None)
            self.add_error(None, _("The point on the map is not valid; choose it again or give the address."))
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            data["latitude"] = data["longitude"] = None  # half a point is no point
        return data

    def to_input(self) -> ReportInput:
        data = self.cleaned_data
        return ReportInput(ticket_type=data["ticket_type"], title=data["title"].strip(),
                           description=data["description"].strip(), address=data["address"].strip(),
                           latitude=data.get("latitude"), longitude=data.get("longitude"),
                           citizen_name=data["citizen_name"].strip(), citizen_phone=data["citizen_phone"],
                           citizen_email=data["citizen_email"])


class TrackForm(forms.Form):
    number = forms.CharField(label=_("Ticket number"), max_length=24,
                             widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
                             help_text=_("The number you got when you reported, such as 20260115000123."))
    contact = forms.CharField(label=_("Phone or e-mail given on the report"), max_length=254,
                              help_text=_("We send a one-time code there."))

    def clean_number(self) -> str:
        number = "".join((self.cleaned_data.get("number") or "").split())
        if not (number.isascii() and number.isdigit() and 14 <= len(number) <= 24):
            raise ValidationError(_("A ticket number has 14 or more digits."), code="invalid_number")
        return number

    def clean_contact(self) -> Contact:
        return parse_contact(self.cleaned_data.get("contact") or "")


class SignInForm(forms.Form):
    contact = forms.CharField(label=_("Mobile phone or e-mail"), max_length=254, widget=forms.TextInput(
        attrs={"autocomplete": "username"}), help_text=_("We send a one-time code there."))
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def clean_contact(self) -> Contact:
        return parse_contact(self.cleaned_data.get("contact") or "")


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=6, min_length=6, widget=forms.TextInput(
        attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}),
        help_text=_("The six digits we sent you. The code is valid for 10 minutes."))

    def clean_code(self) -> str:
        code = (self.cleaned_data.get("code") or "").strip()
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise ValidationError(_("The code has six digits."), code="invalid_code")
        return code


class RatingForm(forms.Form):
    resolved = forms.TypedChoiceField(label=_("Was the problem resolved?"),
                                      choices=[("true", _("Yes")), ("false", _("No"))],
                                      coerce=lambda value: value == "true", widget=forms.RadioSelect)
    satisfaction = forms.ChoiceField(label=_("How satisfied are you with the handling?"),
                                     choices=Satisfaction.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment (optional)"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def to_input(self) -> TransitionInput:
        data = self.cleaned_data
        return TransitionInput(resolved=data["resolved"], satisfaction=data["satisfaction"],
                               note=data["comment"].strip())


class SubscriptionForm(forms.Form):
    email = forms.EmailField(label=_("E-mail for updates"), widget=forms.EmailInput(
        attrs={"autocomplete": "email"}))

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])
