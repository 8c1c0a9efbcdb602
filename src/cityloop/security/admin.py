from django.contrib import admin

from cityloop.security.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "user", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "last_used_at")
    search_fields = ("name", "user__username")

    def has_add_permission(self, request: object) -> bool:
        return False  # keys are shown once, so they are made by `cityloop token create`
