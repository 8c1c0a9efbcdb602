"""Registries kept in the admin: deputies, liaison stations, contact points, surveys and their questions.

Consultations, opinions, receptions and bookings are written through the services (pages and commands), so
that their rules (phases, the 3-day notice, slot capacity) always apply; the admin shows them read-only.
"""

from django.contrib import admin

from cityloop.participation.models import (
    Consultation,
    ContactPoint,
    Deputy,
    LiaisonStation,
    Opinion,
    Question,
    Reception,
    Survey,
)


@admin.register(Deputy)
class DeputyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "level", "station", "active"]
    list_filter = ["kind", "level", "active"]
    search_fields = ["name"]


@admin.register(LiaisonStation)
class LiaisonStationAdmin(admin.ModelAdmin):
    list_display = ["name", "area", "unit", "address"]


@admin.register(ContactPoint)
class ContactPointAdmin(admin.ModelAdmin):
    list_display = ["name", "area"]
    filter_horizontal = ["staff"]


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 1


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["title", "opens_at", "closes_at", "consultation", "residents_of"]
    inlines = [QuestionInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    list_display = ["title", "office", "phase", "opens_at", "closes_at"]


@admin.register(Opinion)
class OpinionAdmin(ReadOnlyAdmin):
    list_display = ["consultation", "channel", "stance", "hidden", "late", "decision"]
    list_filter = ["channel", "hidden", "late", "decision"]


@admin.register(Reception)
class ReceptionAdmin(ReadOnlyAdmin):
    list_display = ["station", "topic", "starts_at", "cancelled"]
