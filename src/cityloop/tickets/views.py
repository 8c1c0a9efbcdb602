"""The ticket pages shared by every staff role: the list of visible tickets and the ticket page."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cityloop.core.errors import ApplicationError, NotFound
from cityloop.tickets import selectors, services, sla
from cityloop.tickets.choices import Status
from cityloop.tickets.forms import ActionForm
from cityloop.tickets.workflow import TRANSITIONS, action_label


@login_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    if status not in Status.values:
        status = None
    tickets = selectors.ticket_list_visible(request.user, status=status).select_related("unit", "category")
    page = Paginator(tickets.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(request, "tickets/list.html", {"page": page, "status": status, "statuses": Status.choices})


def ticket_page(request: HttpRequest, ticket_id: int, forms: dict[str, ActionForm] | None = None,
                status: int = 200) -> HttpResponse:
    """The ticket page; other apps' views render it again with a refused form (status 422)."""
    try:
        ticket = selectors.ticket_get(request.user, ticket_id)
    except NotFound as exc:
        raise Http404 from exc
    actions = selectors.ticket_actions_for(request.user, ticket)
    forms = forms or {}
    context: dict[str, Any] = {
        "ticket": ticket,
        "sla_state": sla.sla_state(ticket),
        "show_contact": selectors.ticket_contact_shown(request.user, ticket),
        "events": [(event, action_label(event.action))
                   for event in selectors.ticket_event_list(ticket)],
        "forms": [forms.get(t.action) or ActionForm(t) for t in actions],
    }
    return render(request, "tickets/detail.html", context, status=status)


@login_required
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return ticket_page(request, ticket_id)


@login_required
def ticket_act(request: HttpRequest, ticket_id: int, action: str) -> HttpResponse:
    """Apply one action from the ticket page; on a refusal, show the form again with what was typed."""
    if request.method != "POST" or action not in TRANSITIONS:
        raise Http404
    form = ActionForm(TRANSITIONS[action], request.POST)
    if form.is_valid():
        try:
            services.ticket_transition(ticket_id=ticket_id, action=action, actor=request.user,
                                       params=form.to_input(),
                                       expected_version=int(request.POST.get("version") or 0) or None)
        except NotFound as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            field = exc.details.get("field", "")
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            from django.contrib import messages

            messages.success(request, _("Done: %(action)s.") % {"action": TRANSITIONS[action].label})
            return redirect("tickets:detail", ticket_id=ticket_id)
    return ticket_page(request, ticket_id, forms={action: form}, status=422)
