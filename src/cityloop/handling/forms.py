from django import forms
from django.utils.translation import gettext_lazy as _

from cityloop.handling.selectors import ALL_WORKING, TODO_STATUSES
from cityloop.tickets.choices import SlaState, Status

# A refused upload form travels to the ticket page on the request, to show the error next to the field.
UPLOAD_FORM_KEY = "_cityloop_attachment_form"


class TodoFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All")), (ALL_WORKING, _("Signed for, any stage")),
                                        *[(s, Status(s).label) for s in TODO_STATUSES]])
    sla = forms.ChoiceField(label=_("Deadline"), required=False, choices=[("", _("All")), *SlaState.choices])
    q = forms.CharField(label=_("Title or number"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("Photos (JPEG, PNG, WebP) or PDF, at most 10 MB."),
                           widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,"
                                                                            "application/pdf"}))

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("prefix", "attachment")
        super().__init__(*args, **kwargs)
