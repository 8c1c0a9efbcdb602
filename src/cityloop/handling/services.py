"""Writes of the handling stage: attachments. Status changes go through tickets.services.ticket_transition."""

from pathlib import PurePath
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from cityloop.core import clock
from cityloop.core.errors import Conflict, InvalidInput, NotFound
from cityloop.core.files import sniff_content_type
from cityloop.handling.models import Attachment
from cityloop.security import grants as g
from cityloop.security.access import can, grants_for
from cityloop.tickets.choices import OPEN_STATUSES
from cityloop.tickets.models import Ticket
from cityloop.tickets.services import PermissionDenied

MAX_ATTACHMENT_SIZE = 10 * 1024 * 1024
# Who may add files: the units handling the ticket, and the centre's operators and dispatchers who take the
# call. Supervisors and analysts read; citizens will add photos through the portal's own service.
UPLOAD_PERMISSIONS = (g.HANDLE, g.ANSWER, g.DISPATCH)


def can_add_attachment(user: Any, ticket: Ticket) -> bool:
    return ticket.status in OPEN_STATUSES and any(
        not (grants := grants_for(user, permission)).empty and ticket.in_scope(grants)
        for permission in UPLOAD_PERMISSIONS)


def _refuse(message: str, code: str) -> InvalidInput:
    return InvalidInput(message, code=code, details={"field": "file"})


def attachment_add(*, actor: Any, ticket_id: int, file: UploadedFile) -> Attachment:
    """Attach a photo (JPEG, PNG, WebP) or a PDF of at most 10 MB; anything else is refused and nothing stored."""
    ticket = Ticket.objects.prefetch_related("co_units").filter(pk=ticket_id).first()
    if ticket is None or not can(actor, g.VIEW, ticket):
        raise NotFound(_("Not found."))
    if not can_add_attachment(actor, ticket):
        if ticket.status not in OPEN_STATUSES:
            raise Conflict(_("Files can no longer be added to this ticket."), code="ticket_finished")
        raise PermissionDenied(_("You may not add files to this ticket."))
    size = file.size or 0
    if size == 0:
        raise _refuse(_("The file is empty."), "file_empty")
    if size > MAX_ATTACHMENT_SIZE:
        raise _refuse(_("The file is larger than 10 MB."), "file_too_large")
    if sniff_content_type(file) is None:
        raise _refuse(_("Only photos (JPEG, PNG, WebP) and PDF documents can be attached."), "file_type")
    return _store(ticket=ticket, actor=actor, file=file)


def attachment_add_to_new_report(*, actor: Any, ticket: Ticket, file: UploadedFile) -> Attachment:
    """The reporter's own photo, stored with the ticket their report just created (intake code only: the
    reporter holds no handling grant, and may be anonymous). The caller has checked the photo's type and size."""
    return _store(ticket=ticket, actor=actor, file=file)


def _store(*, ticket: Ticket, actor: Any, file: UploadedFile) -> Attachment:
    """The file under a random name, then its row; no file is left without its row."""
    content_type = sniff_content_type(file)
    if content_type is None:
        raise _refuse(_("Only photos (JPEG, PNG, WebP) and PDF documents can be attached."), "file_type")
    attachment = Attachment(ticket=ticket, original_name=PurePath(file.name or "file").name[-255:],
                            content_type=content_type, size=file.size or 0,
                            uploaded_by=actor if actor is not None and actor.is_authenticated else None,
                            created_at=clock.now())
    attachment.file.save("upload", file, save=False)
    try:
        with transaction.atomic():
            attachment.save()
    except Exception:
        attachment.file.delete(save=False)  # no file without its row
        raise
    return attachment
