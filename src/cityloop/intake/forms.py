"""The operator console's forms: one call, and the direct answer (一次办结) to an inquiry."""

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from cityloop.intake.selectors import CategoryGroup, normalise_phone
from cityloop.tickets.choices import Channel, TicketType, Urgency
from cityloop.tickets.services import TicketInput

# The channels a person types in at the console; the others are filled by machines (Open311, imports, analysis).
CONSOLE_CHANNELS = [(c.value, c.label) for c in (Channel.PHONE, Channel.WECHAT, Channel.EMAIL, Channel.WEB,
                                                 Channel.MOBILE, Channel.RECEPTION, Channel.GRID)]

phone_validator = RegexValidator(r"^\+?[0-9][0-9\s\-()]{2,30}$",
                                 _("Enter a phone number: digits, optionally with +, spaces or dashes."))


class CategorySelect(forms.Select):
    """A select whose options carry the text the picker's filter matches (codes and names up the tree)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.search: dict[str, str] = {}

    def create_option(self, name: str, value: Any, label: Any, selected: Any, index: int,  # noqa: PLR0917
                      subindex: int | None = None, attrs: dict[str, Any] | None = None) -> dict[str, Any]:
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) in self.search:
            option["attrs"]["data-search"] = self.search[str(value)]
        return option


class CallForm(forms.Form):
    citizen_phone = forms.CharField(label=_("Caller's phone"), max_length=32, required=False,
                                    validators=[phone_validator])
    citizen_name = forms.CharField(label=_("Caller's name"), max_length=100, required=False)
    citizen_email = forms.EmailField(label=_("Caller's e-mail"), required=False)
    ticket_type = forms.ChoiceField(label=_("Type"), choices=TicketType.choices, widget=forms.RadioSelect)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL,
                                widget=forms.RadioSelect)
    is_complex = forms.BooleanField(label=_("Complex (several units or a long time needed)"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=CONSOLE_CHANNELS, initial=Channel.PHONE)
    category_search = forms.CharField(label=_("Filter categories"), max_length=100, required=False,
                                      help_text=_("Type part of a name or code to narrow the list below."))
    category = forms.TypedChoiceField(label=_("Category"), coerce=int, required=False, empty_value=None,
                                      widget=CategorySelect)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 6}))
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    latitude = forms.FloatField(min_value=-90, max_value=90, required=False, widget=forms.HiddenInput)
    longitude = forms.FloatField(min_value=-180, max_value=180, required=False, widget=forms.HiddenInput)
    # One per form as rendered: submitting the same form twice records one ticket.
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, groups: list[CategoryGroup], **kwargs: Any):
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        category.choices = [("", _("(not classified yet)"))] + [  # type: ignore[attr-defined]
            (group.label, [(option.id, option.label) for option in group.options]) for group in groups]
        category.widget.search = {str(o.id): o.search for group in groups for o in group.options}  # type: ignore[attr-defined]
        self.fields["citizen_phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        self.fields["category_search"].widget.attrs.update({"type": "search", "autocomplete": "off"})
        self.fields["title"].widget.attrs["autocomplete"] = "off"

    def clean_citizen_phone(self) -> str:
        return normalise_phone(self.cleaned_data["citizen_phone"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("latitude", _("The point on the map is incomplete; click the map again or clear it."))
        return data

    def to_input(self) -> TicketInput:
        data = self.cleaned_data
        return TicketInput(
            channel=data["channel"], ticket_type=data["ticket_type"], title=data["title"],
            description=data["description"], urgency=data["urgency"], is_complex=data["is_complex"],
            category_id=data["category"], citizen_name=data["citizen_name"], citizen_phone=data["citizen_phone"],
            citizen_email=data["citizen_email"], address=data["address"], latitude=data["latitude"],
            longitude=data["longitude"])


class AnswerForm(forms.Form):
    reply = forms.CharField(label=_("Answer given to the citizen"), max_length=10000,
                            widget=forms.Textarea(attrs={"rows": 4}))
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
