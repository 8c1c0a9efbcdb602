from django.contrib import admin

from cityloop.organisation.models import Address, Area, Membership, Unit


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "code")
    autocomplete_fields = ("parent",)
    readonly_fields = ("path",)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "area", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "code")
    autocomplete_fields = ("parent", "area")
    readonly_fields = ("path",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "unit", "role", "scope")
    list_filter = ("role",)
    search_fields = ("user__username", "unit__name")
    autocomplete_fields = ("user", "unit", "scope")


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("text", "area")
    search_fields = ("text",)
    autocomplete_fields = ("area",)
