from django.contrib import admin

from cityloop.security.models import ApiToken, AuditEntry, SecurityAlert


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "user", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "last_used_at")
    search_fields = ("name", "user__username")

    def has_add_permission(self, request: object) -> bool:
        return False  # keys are shown once, so they are made by `cityloop token create`


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is changed by nobody, and `cityloop audit verify` would tell if it were."""

    list_display = ("seq", "at", "actor", "action", "object_type", "object_id")
    list_filter = ("action",)
    search_fields = ("object_id", "actor__username")
    show_full_result_count = False

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(SecurityAlert)
class SecurityAlertAdmin(admin.ModelAdmin):
    list_display = ("day", "kind", "user", "address", "observed", "expected", "acknowledged_at")
    list_filter = ("kind", "day")
    readonly_fields = ("kind", "user", "address", "day", "observed", "expected", "evidence")
