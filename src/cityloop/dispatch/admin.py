from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cityloop.dispatch.models import CatalogueEntry


class CatalogueEntryForm(forms.ModelForm):
    class Meta:
        model = CatalogueEntry
        fields = ("category", "area", "unit", "co_units", "valid_from", "valid_to", "note")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unit, co_units = data.get("unit"), data.get("co_units") or []
        if unit is not None and unit in co_units:
            self.add_error("co_units", _("The handling unit cannot also be a co-handling unit."))
        return data


@admin.register(CatalogueEntry)
class CatalogueEntryAdmin(admin.ModelAdmin):
    form = CatalogueEntryForm
    list_display = ("category", "area", "unit", "valid_from", "valid_to")
    list_filter = ("unit__kind", "category__level")
    search_fields = ("category__name", "category__code", "area__name", "unit__name")
    autocomplete_fields = ("category", "area", "unit", "co_units")
    list_select_related = ("category", "area", "unit")
