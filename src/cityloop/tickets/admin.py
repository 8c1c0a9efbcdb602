import datetime as dt

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cityloop.core import clock
from cityloop.tickets.calendar import reset_working_calendar
from cityloop.tickets.defaults import missing_calendar_years
from cityloop.tickets.models import CalendarDay, CalendarYear, Category, Ticket, TicketEvent, TimeLimitPolicy


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "level", "parent", "active")
    list_filter = ("level", "active")
    search_fields = ("code", "name", "name_en")
    autocomplete_fields = ("parent",)
    readonly_fields = ("path",)


@admin.register(TimeLimitPolicy)
class TimeLimitPolicyAdmin(admin.ModelAdmin):
    list_display = ("stage", "ticket_type", "urgency", "category", "is_complex", "amount", "limit_unit",
                    "valid_from", "valid_to")
    list_filter = ("stage", "limit_unit")
    autocomplete_fields = ("category",)


class CalendarAdminMixin(admin.ModelAdmin):
    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):  # type: ignore[no-untyped-def]
        missing = missing_calendar_years(clock.now().date())
        if missing:
            messages.warning(request, _("The official holidays of %(years)s are not entered: deadlines in those "
                                        "years count only weekends as days off until they are.")
                             % {"years": ", ".join(map(str, missing))})
        return super().changelist_view(request, extra_context)

    def save_model(self, request: HttpRequest, obj: object, form: object, change: bool) -> None:
        super().save_model(request, obj, form, change)
        reset_working_calendar()


@admin.register(CalendarYear)
class CalendarYearAdmin(CalendarAdminMixin):
    list_display = ("year", "source")


@admin.register(CalendarDay)
class CalendarDayAdmin(CalendarAdminMixin):
    list_display = ("date", "is_workday", "name")
    list_filter = ("is_workday",)
    date_hierarchy = "date"

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, str | list[str]]:
        return {"date": dt.date(clock.now().year + 1, 1, 1).isoformat()}


class EventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "from_status", "to_status", "actor", "actor_unit", "note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only: tickets change only through the workflow, never by editing rows."""

    list_display = ("number", "title", "ticket_type", "status", "unit", "created_at", "due_at")
    list_filter = ("status", "ticket_type", "channel", "urgency")
    search_fields = ("number", "title")
    inlines = [EventInline]
    list_select_related = ("unit",)
    show_full_result_count = False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
