from django import forms
from django.utils.translation import gettext_lazy as _

from cityloop.deliberation.choices import Choice, Matter, MeetingKind, PartyKind, TopicKind
from cityloop.organisation.choices import AreaKind
from cityloop.organisation.models import Area

LOCAL = {"type": "datetime-local"}


class TopicForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=TopicKind.choices)
    area = forms.ModelChoiceField(label=_("Affected area"), queryset=Area.objects.filter(
        kind__in=[AreaKind.COMMUNITY, AreaKind.GRID, AreaKind.BUILDING]).order_by("path"))
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    parties = forms.MultipleChoiceField(label=_("Parties involved"), choices=PartyKind.choices, required=False,
                                        widget=forms.CheckboxSelectMultiple)


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("Document (PDF or image)"))


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Meeting"), choices=MeetingKind.choices)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=forms.DateTimeInput(attrs=LOCAL))
    place = forms.CharField(label=_("Place"), max_length=200)
    online_url = forms.CharField(label=_("Online link"), max_length=300, required=False)
    agenda = forms.CharField(label=_("Agenda"), widget=forms.Textarea(attrs={"rows": 3}))
    invitees = forms.CharField(label=_("Invitees (one per line: name, e-mail)"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 3}))


class OpinionForm(forms.Form):
    speaker = forms.CharField(label=_("Speaker"), max_length=100, required=False)
    text = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 2}))


class BuildingForm(forms.Form):
    code = forms.CharField(label=_("Building code"), max_length=32)
    name = forms.CharField(label=_("Building name"), max_length=100)
    declared_area = forms.DecimalField(label=_("Declared total exclusive area (m²)"), max_digits=12,
                                       decimal_places=2, min_value=0)
    roll = forms.FileField(label=_("Owners' roll (CSV or XLSX: unit_code, owner_id, owner_name, floor_area)"))


class VoteForm(forms.Form):
    building = forms.ChoiceField(label=_("Building"))
    question = forms.CharField(label=_("Question"), max_length=300)
    matter = forms.ChoiceField(label=_("Matter"), choices=Matter.choices)
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=forms.DateTimeInput(attrs=LOCAL))


class BallotForm(forms.Form):
    owner = forms.ChoiceField(label=_("Owner"))
    choice = forms.ChoiceField(label=_("Ballot"), choices=Choice.choices)
    cast_by = forms.ChoiceField(label=_("Cast by (proxy)"), required=False)


class ProxyForm(forms.Form):
    grantor = forms.ChoiceField(label=_("Owner"))
    holder = forms.ChoiceField(label=_("Proxy holder"))


class ResolutionForm(forms.Form):
    text = forms.CharField(label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 2}))
    responsible = forms.CharField(label=_("Responsible"), max_length=100)
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    note = forms.CharField(label=_("Note"), max_length=300)


class StatementForm(forms.Form):
    text = forms.CharField(label=_("Your statement"), max_length=280)


class TaskForm(forms.Form):
    matter_code = forms.CharField(label=_("Matter code"), max_length=32)
    title = forms.CharField(label=_("Task"), max_length=200)
