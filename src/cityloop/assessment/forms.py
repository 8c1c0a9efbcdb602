from django import forms
from django.utils.translation import gettext_lazy as _

from cityloop.assessment.choices import Decision, ExemptionKind
from cityloop.assessment.models import ATTACHMENT_MAX_LENGTH, EVIDENCE_MAX_LENGTH
from cityloop.assessment.selectors import PRESS_ACTIONS

# A refused exemption request travels to the ticket page on the request, to show its errors next to the fields.
EXEMPTION_FORM_KEY = "_cityloop_exemption_form"


class PressForm(forms.Form):
    """Urge (催办) or supervise (督办) one ticket; the note tells the unit what is expected."""

    action = forms.ChoiceField(choices=[(a, a) for a in PRESS_ACTIONS], widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), max_length=5000,
                           error_messages={"required": _("Write what the unit must do.")})

    def __init__(self, ticket_id: int, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("prefix", f"press-{ticket_id}")
        super().__init__(*args, **kwargs)
        self.ticket_id = ticket_id


class ExemptionRequestForm(forms.Form):
    """A handler's request to leave a ticket out of the rates (免考核申请)."""

    kind = forms.ChoiceField(label=_("Kind of exemption"), choices=ExemptionKind.choices, widget=forms.RadioSelect,
                             error_messages={"required": _("Choose the kind of exemption.")})
    evidence = forms.CharField(
        label=_("Evidence"), max_length=EVIDENCE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The facts that show the demand is unreasonable or outside your jurisdiction, and the rule "
                    "they rest on."),
        error_messages={"required": _("Give the evidence.")})
    attachment = forms.CharField(
        label=_("Attachment reference"), max_length=ATTACHMENT_MAX_LENGTH, required=False,
        help_text=_("Optional: the name of a file attached to this ticket, or a document's number."))

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("prefix", "exemption")
        super().__init__(*args, **kwargs)


class ExemptionDecideForm(forms.Form):
    """A supervisor's decision on one exemption request; a rejection says why."""

    decision = forms.ChoiceField(choices=[(Decision.APPROVE, Decision.APPROVE.label),
                                          (Decision.REJECT, Decision.REJECT.label)],
                                 error_messages={"required": _("Approve or reject.")})
    reason = forms.CharField(label=_("Reason"), required=False, max_length=5000)

    def __init__(self, exemption_id: int, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("prefix", f"decide-{exemption_id}")
        super().__init__(*args, **kwargs)
        self.exemption_id = exemption_id


class UnreachableForm(forms.Form):
    """A callback attempt that did not reach the citizen."""

    note = forms.CharField(label=_("Note"), required=False, max_length=1000,
                           help_text=_("For example: no answer at 10:05, the line was busy."))

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("prefix", "unreachable")
        super().__init__(*args, **kwargs)
