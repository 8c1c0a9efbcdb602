from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cityloop.handling.models import Attachment, ReplyTemplate


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "active")
    list_filter = ("active",)
    search_fields = ("name", "text")
    autocomplete_fields = ("category",)


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("original_name", "ticket", "content_type", "size", "uploaded_by", "created_at")
    list_select_related = ("ticket", "uploaded_by")
    search_fields = ("original_name", "ticket__number")
    raw_id_fields = ("ticket", "event")
    fields = ("ticket", "download", "original_name", "content_type", "size", "uploaded_by", "created_at", "event")
    readonly_fields = ("download", "original_name", "content_type", "size", "uploaded_by", "created_at")

    @admin.display(description=_("file"))
    def download(self, obj: Attachment) -> str:
        # through the gated view: the media folder is never served directly
        url = reverse("handling:attachment_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # uploads go through attachment_add(), which checks the file
