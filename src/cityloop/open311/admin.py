from django.contrib import admin

from cityloop.open311.models import ImportedRow, ImportMapping, Open311Key, Open311Request, ServiceAttribute


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ["category", "order", "code", "datatype", "required", "description"]
    list_filter = ["datatype", "required"]
    search_fields = ["code", "description", "category__code", "category__name"]
    raw_id_fields = ["category"]


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):
    """Keys are made with `cityloop open311 key create`, which shows the key once; here they are managed."""

    list_display = ["name", "prefix", "created_at", "revoked_at", "daily_quota", "used_today", "used_on"]
    readonly_fields = ["prefix", "used_today", "used_on"]
    fields = ["name", "prefix", "daily_quota", "revoked_at", "used_today", "used_on"]
    search_fields = ["name", "prefix"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(Open311Request)
class Open311RequestAdmin(admin.ModelAdmin):
    list_display = ["token", "ticket", "key", "created_at"]
    readonly_fields = [f.name for f in Open311Request._meta.fields]
    raw_id_fields = ["ticket"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    list_display = ["name", "source", "description", "updated_at"]
    search_fields = ["name", "source"]


@admin.register(ImportedRow)
class ImportedRowAdmin(admin.ModelAdmin):
    list_display = ["source", "external_id", "ticket", "imported_at"]
    list_filter = ["source"]
    search_fields = ["external_id"]
    raw_id_fields = ["ticket"]
    readonly_fields = ["source", "external_id", "ticket", "data", "imported_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
