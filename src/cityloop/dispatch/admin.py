from django.contrib import admin

from cityloop.dispatch.models import CatalogueEntry


@admin.register(CatalogueEntry)
class CatalogueEntryAdmin(admin.ModelAdmin):
    list_display = ("category", "area", "unit", "valid_from", "valid_to")
    list_filter = ("unit__kind", "category__level")
    search_fields = ("category__name", "category__code", "area__name", "unit__name")
    autocomplete_fields = ("category", "area", "unit", "co_units")
    list_select_related = ("category", "area", "unit")
