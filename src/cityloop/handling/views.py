"""The handler's pages: the to-do list, and adding and reading attachments of a ticket."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityloop.core import clock
from cityloop.core.errors import ApplicationError, InvalidInput, NotFound
from cityloop.handling import selectors, services
from cityloop.handling.forms import UPLOAD_FORM_KEY, AttachmentForm, TodoFilterForm
from cityloop.tickets.services import PermissionDenied as RefusedAction
from cityloop.tickets.views import ticket_page


@login_required
def todo(request: HttpRequest) -> HttpResponse:
    if not selectors.can_see_todo(request.user):
        raise PermissionDenied
    now = clock.now()
    filters = TodoFilterForm(request.GET)
    values = filters.cleaned_data if filters.is_valid() else {}
    tickets = selectors.ticket_list_todo(request.user, status=values.get("status", ""),
                                         sla=values.get("sla", ""), query=values.get("q", ""), now=now)
    page = Paginator(tickets, 30).get_page(request.GET.get("page"))
    return render(request, "handling/todo.html", {
        "filters": filters, "page": page, "rows": selectors.todo_rows(request.user, page, now=now),
        "counters": selectors.todo_counters(request.user, now=now),
    })


@require_POST
@login_required
def attachment_upload(request: HttpRequest, ticket_id: int) -> HttpResponse:
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(actor=request.user, ticket_id=ticket_id, file=form.cleaned_data["file"])
        except NotFound as exc:
            raise Http404 from exc
        except RefusedAction as exc:
            raise PermissionDenied(exc.message) from exc
        except InvalidInput as exc:
            form.add_error("file" if exc.details.get("field") == "file" else None, exc.message)
        except ApplicationError as exc:  # the ticket's state does not allow it (any more)
            messages.error(request, exc.message)
            return redirect("tickets:detail", ticket_id=ticket_id)
        else:
            messages.success(request, _("The file was attached."))
            return redirect("tickets:detail", ticket_id=ticket_id)
    # The ticket page again, with the refused form in the attachments section (see templatetags/handling.py).
    request.__dict__[UPLOAD_FORM_KEY] = form
    return ticket_page(request, ticket_id, status=422)


@login_required
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    try:
        attachment = selectors.attachment_get(request.user, attachment_id)
    except NotFound as exc:
        raise Http404 from exc
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=attachment.content_type, filename=attachment.original_name,
                            as_attachment=not attachment.is_image)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
