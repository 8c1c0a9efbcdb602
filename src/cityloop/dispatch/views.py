"""The dispatcher's pages: the queue (派单), dispatching one ticket, and sending a returned ticket to arbitration."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cityloop.core.errors import ApplicationError, NotFound
from cityloop.dispatch import selectors
from cityloop.dispatch.forms import DispatchForm, DisputeForm
from cityloop.tickets import selectors as ticket_selectors
from cityloop.tickets import services
from cityloop.tickets.choices import Status
from cityloop.tickets.models import Ticket

PAGE_SIZE = 50


def _require_dispatcher(request: HttpRequest) -> None:
    if not selectors.can_dispatch(request.user):
        raise PermissionDenied


def _ticket(request: HttpRequest, ticket_id: int) -> Ticket:
    try:
        return ticket_selectors.ticket_get(request.user, ticket_id)
    except NotFound as exc:
        raise Http404 from exc


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _require_dispatcher(request)
    street_only = request.GET.get("street") == "1"
    page = Paginator(selectors.queue_list(request.user, street_only=street_only), PAGE_SIZE).get_page(
        request.GET.get("page"))
    tickets = list(page.object_list)
    suggestions = selectors.catalogue_suggestions(tickets)
    reasons = selectors.queue_reasons(tickets)
    rows = []
    for ticket in tickets:
        suggestion = suggestions.get(ticket.pk)
        # Sending a returned ticket straight back to the unit that returned it is no decision: no one-click then.
        back_to_sender = (suggestion is not None and ticket.status == Status.RETURNED
                          and suggestion.unit.pk == ticket.unit_id)
        rows.append({"ticket": ticket, "suggestion": suggestion, "reasons": reasons.get(ticket.pk, {}),
                     "one_click": suggestion is not None and not back_to_sender, "back_to_sender": back_to_sender})
    return render(request, "dispatch/queue.html", {"page": page, "rows": rows, "street_only": street_only})


def _apply(request: HttpRequest, ticket: Ticket, action: str, form: DispatchForm | DisputeForm) -> bool:
    """Run the workflow action through the ticket service; on a refusal, put the reason next to its field."""
    try:
        services.ticket_transition(ticket_id=ticket.pk, action=action, actor=request.user, params=form.to_input(),
                                   expected_version=form.cleaned_data.get("version"))
    except NotFound as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        form.add_error(form.service_field(exc.details.get("field", "")), exc.message)
        return False
    return True


def _render(request: HttpRequest, template: str, ticket: Ticket, form: Any, status: int = 200,
            **extra: Any) -> HttpResponse:
    return render(request, template, {"ticket": ticket, "form": form, **extra}, status=status)


@login_required
def dispatch_ticket(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Dispatch one ticket: the catalogue's suggestion filled in, every field editable."""
    _require_dispatcher(request)
    ticket = _ticket(request, ticket_id)
    suggestion = selectors.catalogue_suggestion(ticket)
    if request.method == "POST":
        form = DispatchForm(request.POST)
        if form.is_valid() and _apply(request, ticket, "dispatch", form):
            messages.success(request, _("Ticket %(number)s dispatched to %(unit)s.")
                             % {"number": ticket.number, "unit": form.cleaned_data["unit"]})
            return redirect("dispatch:queue")
        return _render(request, "dispatch/dispatch.html", ticket, form, 422, suggestion=suggestion)
    initial: dict[str, Any] = {"version": ticket.version}
    if suggestion is not None:
        initial |= {"unit": suggestion.unit, "co_units": suggestion.co_units}
    return _render(request, "dispatch/dispatch.html", ticket, DispatchForm(initial=initial), suggestion=suggestion)


@login_required
def dispute_ticket(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Send a returned ticket to arbitration (争议); supervisors decide on the ticket page."""
    _require_dispatcher(request)
    ticket = _ticket(request, ticket_id)
    reasons = selectors.queue_reasons([ticket]).get(ticket.pk, {})
    if request.method == "POST":
        form = DisputeForm(request.POST)
        if form.is_valid() and _apply(request, ticket, "dispute", form):
            messages.success(request, _("Ticket %(number)s sent to arbitration.") % {"number": ticket.number})
            return redirect("dispatch:queue")
        return _render(request, "dispatch/dispute.html", ticket, form, 422, reasons=reasons)
    return _render(request, "dispatch/dispute.html", ticket, DisputeForm(initial={"version": ticket.version}),
                   reasons=reasons)
