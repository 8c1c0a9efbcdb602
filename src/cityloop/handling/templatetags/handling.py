"""Sections of the ticket page that belong to the handling stage: attachments and the reply-template picker."""

from typing import Any

from django import template

from cityloop.handling import selectors
from cityloop.handling.forms import UPLOAD_FORM_KEY, AttachmentForm
from cityloop.handling.services import MAX_ATTACHMENT_SIZE, can_add_attachment

register = template.Library()


@register.inclusion_tag("handling/_attachments.html", takes_context=True)
def ticket_attachments(context: Any, ticket: Any) -> dict[str, Any]:
    request = context["request"]
    user = request.user
    refused = request.__dict__.get(UPLOAD_FORM_KEY)
    return {
        "ticket": ticket, "request": request, "csrf_token": context.get("csrf_token"),
        "attachments": list(selectors.attachment_list_for_ticket(user, ticket)),
        "upload_form": (refused or AttachmentForm()) if can_add_attachment(user, ticket) else None,
        "max_size": MAX_ATTACHMENT_SIZE,
    }


@register.inclusion_tag("handling/_reply_templates.html", takes_context=True)
def reply_template_picker(context: Any, ticket: Any, form: Any) -> dict[str, Any]:
    """A picker that fills the reply field of the "complete" form (works only with JavaScript; the field
    itself works without)."""
    field = form["reply"] if "reply" in form.fields else None
    templates = selectors.reply_template_list_for_ticket(ticket, show_contact=bool(context.get("show_contact")))
    return {"templates": templates, "target_id": field.id_for_label if field is not None else "",
            "picker_id": f"reply-template-{form.prefix}", "data_id": f"reply-templates-{form.prefix}"}
