"""Files attached to a ticket (photos, documents) and the reply templates handlers start their answers from."""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityloop.core import clock
from cityloop.security.access import Grants
from cityloop.tickets.models import Category, Ticket, TicketEvent


def attachment_path(instance: "Attachment", filename: str) -> str:
    """A name nobody can guess or choose: the ticket's folder and a random id (the original name is kept apart)."""
    suffix = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp",
              "application/pdf": ".pdf"}.get(instance.content_type, "")
    return f"attachments/{instance.ticket_id}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """A file on a ticket. Stored under MEDIA_ROOT, which is never served directly: only through a view that
    checks the reader may view the ticket."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE,
                               related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), default=clock.now, db_index=True)
    event = models.ForeignKey(TicketEvent, verbose_name=_("ticket event"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="attachments")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    # The scope protocol of cityloop.security.access: an attachment is visible where its ticket is.
    @classmethod
    def scope_filter(cls, grants: Grants) -> models.Q:
        return models.Q(ticket__in=Ticket.objects.filter(Ticket.scope_filter(grants)).values("pk"))

    def in_scope(self, grants: Grants) -> bool:
        return self.ticket.in_scope(grants)


class ReplyTemplate(models.Model):
    """A standard reply (答复模板) a handler starts from when completing a ticket.

    The text may name the ticket's fields in braces; see PLACEHOLDERS in handling/selectors.py.
    """

    name = models.CharField(_("name"), max_length=100)
    category = models.ForeignKey(Category, verbose_name=_("category (with its subcategories)"), null=True,
                                 blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("text"), max_length=5000,
                            help_text=_("Placeholders: {number}, {title}, {unit}, {address}, {citizen_name}, "
                                        "{date}."))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.pk, "name": self.name, "text": self.text}
