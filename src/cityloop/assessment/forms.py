from django import forms
from django.utils.translation import gettext_lazy as _

from cityloop.assessment.selectors import PRESS_ACTIONS


class PressForm(forms.Form):
    """Urge (催办) or supervise (督办) one ticket; the note tells the unit what is expected."""

    action = forms.ChoiceField(choices=[(a, a) for a in PRESS_ACTIONS], widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), max_length=5000,
                           error_messages={"required": _("Write what the unit must do.")})

    def __init__(self, ticket_id: int, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("prefix", f"press-{ticket_id}")
        super().__init__(*args, **kwargs)
        self.ticket_id = ticket_id
