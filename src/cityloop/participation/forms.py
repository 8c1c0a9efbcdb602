"""Forms of the participation pages: parse and label; the services decide."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cityloop.organisation.choices import UnitKind
from cityloop.organisation.models import Unit
from cityloop.participation.choices import Decision, IssueOutcome, OpinionChannel, QuestionKind, Stance
from cityloop.participation.models import ContactPoint, Deputy, LiaisonStation, Section, Survey

TEXTAREA = forms.Textarea(attrs={"rows": 4})


class OpinionForm(forms.Form):
    """No max_length here: the service's refusal says how long the text was and what to do instead."""

    section = forms.IntegerField(required=False, widget=forms.HiddenInput)
    body = forms.CharField(label=_("Your opinion"), widget=TEXTAREA, strip=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class DecisionForm(forms.Form):
    opinion = forms.IntegerField(required=False, widget=forms.HiddenInput)
    group = forms.IntegerField(required=False, widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class StanceForm(forms.Form):
    stance = forms.ChoiceField(label=_("Stance"), choices=Stance.choices)


class EntryForm(forms.Form):
    """An opinion that came on paper or through a contact point, typed in by staff."""

    channel = forms.ChoiceField(label=_("Came in"), choices=[
        (OpinionChannel.PAPER, OpinionChannel.PAPER.label),
        (OpinionChannel.CONTACT_POINT, OpinionChannel.CONTACT_POINT.label)])
    contact_point = forms.ModelChoiceField(label=_("Contact point"), queryset=ContactPoint.objects.all(),
                                           required=False)
    author_name = forms.CharField(label=_("Resident's name"), max_length=100)
    author_contact = forms.CharField(label=_("Resident's phone or e-mail"), max_length=254, required=False)
    section = forms.ModelChoiceField(label=_("Section"), queryset=Section.objects.none(), required=False,
                                     empty_label=_("Whole draft"))
    body = forms.CharField(label=_("Opinion"), widget=TEXTAREA)

    def __init__(self, *args: Any, sections: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if sections is not None:
            self.fields["section"].queryset = sections  # type: ignore[attr-defined]


class TicketOpinionForm(forms.Form):
    number = forms.CharField(label=_("Ticket number of a 12345 suggestion"), max_length=24)


class PublishForm(forms.Form):
    summary = forms.CharField(label=_("Summary of the feedback report"), widget=TEXTAREA)


class SurveyForm(forms.Form):
    """One field per question, named q<id>."""

    def __init__(self, *args: Any, survey: Survey, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for q in survey.questions.all().order_by("position"):
            name, label, required = f"q{q.pk}", q.text, q.required
            options = [(str(i), text) for i, text in enumerate(q.options)]
            field: forms.Field
            if q.kind == QuestionKind.SINGLE:
                field = forms.ChoiceField(label=label, required=required, choices=options, widget=forms.RadioSelect)
            elif q.kind == QuestionKind.MULTIPLE:
                field = forms.MultipleChoiceField(label=label, required=required, choices=options,
                                                  widget=forms.CheckboxSelectMultiple)
            elif q.kind == QuestionKind.SCALE:
                field = forms.ChoiceField(label=label, required=required, widget=forms.RadioSelect,
                                          choices=[(str(i), str(i)) for i in range(1, q.scale_max + 1)])
            else:
                field = forms.CharField(label=label, required=required, widget=TEXTAREA)
            self.fields[name] = field

    def answers(self) -> dict[int, Any]:
        return {int(name[1:]): value for name, value in self.cleaned_data.items()}


class BookingForm(forms.Form):
    slot = forms.TypedChoiceField(label=_("Time"), coerce=int, widget=forms.RadioSelect)
    name = forms.CharField(label=_("Name"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("E-mail (for the answer)"), required=False)
    topic = forms.CharField(label=_("What you want to raise"), max_length=500, widget=TEXTAREA)

    def __init__(self, *args: Any, slots: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [  # type: ignore[attr-defined]
            (s.pk, _("%(time)s (%(left)d places left)") % {"time": f"{s.starts_at:%Y-%m-%d %H:%M}", "left": s.left})
            for s in slots]


class RecordForm(forms.Form):
    deputies = forms.ModelMultipleChoiceField(label=_("Deputies who received"), queryset=Deputy.objects.none(),
                                              widget=forms.CheckboxSelectMultiple)
    attendees = forms.CharField(label=_("Who came"), widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, deputies: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["deputies"].queryset = deputies  # type: ignore[attr-defined]


class IssueForm(forms.Form):
    deputy = forms.ModelChoiceField(label=_("Deputy following it up"), queryset=Deputy.objects.none())
    citizen_name = forms.CharField(label=_("Citizen name"), max_length=100)
    citizen_phone = forms.CharField(label=_("Citizen phone"), max_length=32, required=False)
    citizen_email = forms.EmailField(label=_("Citizen e-mail"), required=False)
    content = forms.CharField(label=_("What was raised"), widget=TEXTAREA)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=IssueOutcome.choices, widget=forms.RadioSelect)
    answer = forms.CharField(label=_("Answer given on the spot"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    unit = forms.ModelChoiceField(label=_("Send the ticket to"), required=False, empty_label=_("Dispatch queue"),
                                  queryset=Unit.objects.filter(active=True, kind__in=[
                                      UnitKind.STREET_OFFICE, UnitKind.DEPARTMENT]),
                                  help_text=_("A street office or district department; the ticket is "
                                              "dispatched at once if you may dispatch, otherwise it waits in "
                                              "the dispatch queue."))
    motion_ref = forms.CharField(label=_("Motion or proposal number"), max_length=100, required=False)

    def __init__(self, *args: Any, deputies: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["deputy"].queryset = deputies  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}))


LOCAL_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ConsultationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), required=False, widget=TEXTAREA)
    office = forms.ModelChoiceField(label=_("Responsible office"), queryset=Unit.objects.none())
    opens_at = forms.DateTimeField(label=_("Comments open"), widget=LOCAL_DATETIME)
    closes_at = forms.DateTimeField(label=_("Comments close"), widget=LOCAL_DATETIME)
    text = forms.CharField(label=_("Text of the draft"), widget=forms.Textarea(attrs={"rows": 12}),
                           help_text=_("One section per article (a line starting 第…条), or one per paragraph."))

    def __init__(self, *args: Any, offices: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices  # type: ignore[attr-defined]


class VersionForm(forms.Form):
    note = forms.CharField(label=_("What changed"), max_length=300)
    text = forms.CharField(label=_("Text of the new version"), widget=forms.Textarea(attrs={"rows": 12}))


class ScheduleForm(forms.Form):
    station = forms.ModelChoiceField(label=_("Liaison station"), queryset=LiaisonStation.objects.none())
    topic = forms.CharField(label=_("Topic"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=LOCAL_DATETIME)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=LOCAL_DATETIME)
    deputies = forms.ModelMultipleChoiceField(label=_("Deputies who receive"), widget=forms.CheckboxSelectMultiple,
                                              queryset=Deputy.objects.filter(active=True))
    slot_minutes = forms.IntegerField(label=_("Minutes per time slot"), min_value=10, max_value=240, initial=30)
    capacity = forms.IntegerField(label=_("Places per time slot"), min_value=1, max_value=500, initial=5)

    def __init__(self, *args: Any, stations: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations  # type: ignore[attr-defined]


class ResidentListForm(forms.Form):
    file = forms.FileField(label=_("Resident list (CSV UTF-8 or Excel .xlsx)"), widget=forms.ClearableFileInput(
        attrs={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
        help_text=_("Columns: 姓名 (name), 手机 (mobile phone) and/or 邮箱 (e-mail), optionally 楼栋 (building) and "
                    "房号 (unit). The file replaces the community's list."))
