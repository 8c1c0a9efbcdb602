from django.contrib import admin

from cityloop.analytics.models import MonthlyProblem, Warning


@admin.register(Warning)
class WarningAdmin(admin.ModelAdmin):
    list_display = ("day", "kind", "title", "observed", "expected", "significance", "status")
    list_filter = ("kind", "status")
    search_fields = ("title",)
    readonly_fields = ("evidence", "effect", "task")


@admin.register(MonthlyProblem)
class MonthlyProblemAdmin(admin.ModelAdmin):
    list_display = ("month", "title", "tickets", "score", "lead_unit")
    list_filter = ("month",)
    readonly_fields = ("difficulty", "effect")
