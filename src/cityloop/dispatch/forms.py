"""The dispatcher's forms: dispatch to a unit (with co-handlers) and send a returned ticket to arbitration."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cityloop.organisation.models import Unit
from cityloop.tickets.services import TransitionInput

# The names the ticket services give input fields, mapped to the fields of these forms.
SERVICE_FIELDS = {"unit_id": "unit", "co_unit_ids": "co_units", "note": "note"}


class _VersionedForm(forms.Form):
    # The ticket version the dispatcher saw: a ticket someone else moved meanwhile is refused, not overwritten.
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def service_field(self, name: str) -> str | None:
        field = SERVICE_FIELDS.get(name)
        return field if field in self.fields else None


class DispatchForm(_VersionedForm):
    unit = forms.ModelChoiceField(Unit.objects.none(), label=_("Handling unit"))
    co_units = forms.ModelMultipleChoiceField(
        Unit.objects.none(), label=_("Co-handling units"), required=False,
        help_text=_("Optional. Hold Ctrl (or Shift) with the arrow keys and Space to choose several."))
    note = forms.CharField(label=_("Note for the unit"), max_length=5000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(active=True).order_by("path")
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["co_units"].queryset = units  # type: ignore[attr-defined]
        self.fields["co_units"].widget.attrs["size"] = 6

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unit, co_units = data.get("unit"), data.get("co_units") or []
        if unit is not None and unit in co_units:
            self.add_error("co_units", _("The handling unit cannot also be a co-handling unit."))
        return data

    def to_input(self) -> TransitionInput:
        data = self.cleaned_data
        return TransitionInput(unit_id=data["unit"].pk, co_unit_ids=[unit.pk for unit in data["co_units"]],
                               note=data["note"])


class DisputeForm(_VersionedForm):
    note = forms.CharField(label=_("Reason for arbitration"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Why the unit that returned the ticket should handle it, or who should."))

    def to_input(self) -> TransitionInput:
        return TransitionInput(note=self.cleaned_data["note"])
