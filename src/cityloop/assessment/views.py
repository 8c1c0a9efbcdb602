"""The supervisor's board (督办): late work by unit, urge and supervise, extension requests, the three rates."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityloop.assessment import selectors
from cityloop.assessment.forms import PressForm
from cityloop.core import clock
from cityloop.core.errors import ApplicationError, NotFound
from cityloop.tickets.services import TransitionInput, ticket_transition
from cityloop.tickets.sla import sla_state
from cityloop.tickets.workflow import TRANSITIONS


def _unit_filter(request: HttpRequest) -> int | None:
    value = request.GET.get("unit", "")
    return int(value) if value.isdigit() else None


def _board(request: HttpRequest, pressed: PressForm | None = None, status: int = 200) -> HttpResponse:
    if not selectors.can_supervise(request.user):
        raise PermissionDenied
    now = clock.now()
    unit_id = _unit_filter(request)
    units = selectors.board_units(request.user, now=now)
    page = Paginator(selectors.board_tickets(request.user, unit_id=unit_id, now=now), 25).get_page(
        request.GET.get("page"))
    rows = [(ticket, sla_state(ticket, now),
             pressed if pressed is not None and pressed.ticket_id == ticket.pk else PressForm(ticket.pk))
            for ticket in page]
    if pressed is not None and not any(form is pressed for _t, _s, form in rows):
        for error in pressed.errors.values():
            messages.error(request, " ".join(str(e) for e in error))
    rates = selectors.unit_rates(request.user, now=now)
    extensions = selectors.extension_requests(request.user)
    context: dict[str, Any] = {
        "units": units, "unit_id": unit_id, "unit_name": next((u["unit_name"] for u in units
                                                              if u["unit_id"] == unit_id), ""),
        "page": page, "rows": rows,
        "extensions": extensions[:20], "extension_count": extensions.count(),
        "rates": rates, "rates_total": selectors.rates_total(rates), "rate_days": selectors.RATE_WINDOW_DAYS,
        "query": request.GET.urlencode(),
    }
    return render(request, "assessment/board.html", context, status=status)


@login_required
def board(request: HttpRequest) -> HttpResponse:
    return _board(request)


@require_POST
@login_required
def press(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Urge or supervise one ticket through the workflow; on a refusal, the board again with the note kept."""
    if not selectors.can_supervise(request.user):
        raise PermissionDenied
    form = PressForm(ticket_id, request.POST)
    if form.is_valid():
        action = form.cleaned_data["action"]
        try:
            ticket_transition(ticket_id=ticket_id, action=action, actor=request.user,
                              params=TransitionInput(note=form.cleaned_data["note"]))
        except NotFound as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            form.add_error("note" if exc.details.get("field") == "note" else None, exc.message)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": TRANSITIONS[action].label})
            query = request.GET.urlencode()
            return redirect(reverse("assessment:board") + (f"?{query}" if query else "") + "#late")
    return _board(request, pressed=form, status=422)
