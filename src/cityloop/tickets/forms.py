"""The form of one workflow action, built from the fields the transition table says it takes."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cityloop.organisation.models import Unit
from cityloop.tickets.choices import Satisfaction
from cityloop.tickets.services import TransitionInput
from cityloop.tickets.workflow import Transition

REQUIRED_NOTE = {"return", "dispute", "invalidate", "suspend", "refuse_extension", "urge", "supervise", "note",
                 "request_extension", "reopen"}


def _field(name: str, action: str) -> forms.Field:
    units = Unit.objects.filter(active=True).order_by("path")
    if name == "unit_id":
        return forms.ModelChoiceField(units, label=_("Handling unit"))
    if name == "co_unit_ids":
        return forms.ModelMultipleChoiceField(units, label=_("Co-handling units"), required=action == "summon")
    if name == "note":
        return forms.CharField(label=_("Note") if action != "return" else _("Reason"), max_length=5000,
                               required=action in REQUIRED_NOTE, widget=forms.Textarea(attrs={"rows": 3}))
    if name == "reply":
        return forms.CharField(label=_("Reply to the citizen"), max_length=10000,
                               widget=forms.Textarea(attrs={"rows": 5}))
    if name == "days":
        return forms.IntegerField(label=_("Working days"), min_value=1, max_value=30,
                                  required=action != "approve_extension")
    if name == "resolved":
        return forms.TypedChoiceField(label=_("Resolved?"), choices=[("true", _("Yes")), ("false", _("No"))],
                                      coerce=lambda value: value == "true", widget=forms.RadioSelect)
    if name == "satisfaction":
        return forms.ChoiceField(label=_("Satisfaction"), choices=Satisfaction.choices, widget=forms.RadioSelect)
    if name == "merged_into_id":
        return forms.IntegerField(label=_("Merge into ticket (id)"), min_value=1)
    raise ValueError(name)


class ActionForm(forms.Form):
    def __init__(self, transition: Transition, *args: Any, **kwargs: Any):
        kwargs.setdefault("prefix", transition.action)
        super().__init__(*args, **kwargs)
        self.transition = transition
        for name in transition.fields:
            self.fields[name] = _field(name, transition.action)

    def to_input(self) -> TransitionInput:
        data = dict(self.cleaned_data)
        if "unit_id" in data:
            data["unit_id"] = data["unit_id"].pk
        if "co_unit_ids" in data:
            data["co_unit_ids"] = [unit.pk for unit in data["co_unit_ids"]]
        return TransitionInput(**{key: value for key, value in data.items() if value is not None})
