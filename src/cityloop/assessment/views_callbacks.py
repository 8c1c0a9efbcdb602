"""The operator's callback pages (回访): the completed tickets waiting for a callback, and one ticket's callback
with the citizen's answers or a failed attempt to reach them."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityloop.assessment import selectors, services
from cityloop.assessment.forms import UnreachableForm
from cityloop.assessment.models import UNREACHABLE_ATTEMPTS
from cityloop.core import clock
from cityloop.core.errors import ApplicationError, NotFound
from cityloop.security import grants as g
from cityloop.tickets.forms import ActionForm
from cityloop.tickets.selectors import ticket_contact_shown
from cityloop.tickets.workflow import TRANSITIONS


def _caller(request: HttpRequest) -> None:
    if not selectors.can_call_back(request.user):
        raise PermissionDenied


@login_required
def callbacks(request: HttpRequest) -> HttpResponse:
    _caller(request)
    now = clock.now()
    page = Paginator(selectors.callbacks_waiting(request.user, g.CALLBACK), 50).get_page(request.GET.get("page"))
    return render(request, "assessment/callbacks.html", {
        "page": page, "rows": selectors.callback_rows(page, now=now), "now": now, "limit": UNREACHABLE_ATTEMPTS})


def _callback_page(request: HttpRequest, ticket_id: int, *, answers: ActionForm | None = None,
                   unreachable: UnreachableForm | None = None, status: int = 200) -> HttpResponse:
    _caller(request)
    try:
        call = selectors.callback_get(request.user, ticket_id)
    except NotFound as exc:
        raise Http404 from exc
    context: dict[str, Any] = {
        "call": call, "ticket": call.ticket, "limit": UNREACHABLE_ATTEMPTS, "now": clock.now(),
        "show_contact": ticket_contact_shown(request.user, call.ticket),
        "answers": answers or ActionForm(TRANSITIONS["callback"]),
        "unreachable": unreachable or UnreachableForm(),
    }
    return render(request, "assessment/callback.html", context, status=status)


@login_required
def callback(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return _callback_page(request, ticket_id)


def _refused(form: Any, exc: ApplicationError) -> None:
    field = exc.details.get("field", "")
    form.add_error(field if field in form.fields else None, exc.message)


@require_POST
@login_required
def callback_record(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The citizen's answers; unsatisfied reopens the ticket (or, after the last reopening, goes to review)."""
    _caller(request)
    form = ActionForm(TRANSITIONS["callback"], request.POST)
    if form.is_valid():
        data = form.to_input()
        try:
            ticket = services.callback_record(ticket_id=ticket_id, actor=request.user, resolved=bool(data.resolved),
                                              satisfaction=data.satisfaction, note=data.note)
        except NotFound as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Callback of %(number)s recorded: %(status)s.")
                             % {"number": ticket.number, "status": ticket.get_status_display()})
            return redirect("assessment:callbacks")
    return _callback_page(request, ticket_id, answers=form, status=422)


@require_POST
@login_required
def callback_unreachable(request: HttpRequest, ticket_id: int) -> HttpResponse:
    _caller(request)
    form = UnreachableForm(request.POST)
    if form.is_valid():
        try:
            services.callback_attempt_record(ticket_id=ticket_id, actor=request.user,
                                             note=form.cleaned_data["note"])
        except NotFound as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Unreachable attempt recorded."))
            return redirect("assessment:callbacks")
    return _callback_page(request, ticket_id, unreachable=form, status=422)
