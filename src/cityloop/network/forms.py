from django import forms
from django.utils.translation import gettext_lazy as _

from cityloop.network.models import Rating


class ReportForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)


class ServiceRequestForm(ReportForm):
    enterprise = forms.CharField(label=_("Enterprise"), max_length=100)


class SurveyForm(forms.Form):
    floors = forms.IntegerField(label=_("Floors"), min_value=0)
    floor_area = forms.IntegerField(label=_("Floor area (m²)"), min_value=0)
    property_manager = forms.CharField(label=_("Property manager"), max_length=100, required=False)
    enterprises = forms.IntegerField(label=_("Enterprises in the building"), min_value=0)
    party_organisations = forms.IntegerField(label=_("Party organisations"), min_value=0)
    party_members = forms.IntegerField(label=_("Party members"), min_value=0)
    station = forms.CharField(label=_("Party-building service station"), max_length=100, required=False)


class RatingForm(forms.Form):
    rating = forms.ChoiceField(label=_("Stability rating"), choices=Rating.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)


class VolunteerForm(forms.Form):
    skills = forms.CharField(label=_("Skills"), max_length=200, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel workbook (.xlsx)"))
