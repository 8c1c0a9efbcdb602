"""The operator console (受理台): record a call, see the caller's earlier tickets, answer an inquiry directly."""

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cityloop.core.errors import ApplicationError, NotFound
from cityloop.intake import selectors
from cityloop.intake.forms import AnswerForm, CallForm
from cityloop.intake.services import ticket_intake
from cityloop.security import grants as g
from cityloop.security.access import can
from cityloop.tickets import selectors as ticket_selectors
from cityloop.tickets import services
from cityloop.tickets.choices import Status, TicketType
from cityloop.tickets.models import Ticket

# The ticket service's input names mapped to the console's fields.
SERVICE_FIELDS = {"category_id": "category", "latitude": "latitude", "longitude": "longitude"}


def _require_operator(request: HttpRequest) -> None:
    if not selectors.can_take_calls(request.user):
        raise PermissionDenied


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _new_form() -> CallForm:
    return CallForm(initial={"idempotency_key": uuid.uuid4()}, groups=selectors.category_groups())


def _created(request: HttpRequest) -> Ticket | None:
    """The ticket just recorded (the id in `?created=`), if the operator may see it."""
    try:
        return ticket_selectors.ticket_get(request.user, int(request.GET.get("created", "")))
    except (ValueError, NotFound):
        return None


def _console(request: HttpRequest, form: CallForm, *, created: Ticket | None = None,
             answer_form: AnswerForm | None = None, status: int = 200) -> HttpResponse:
    phone = form["citizen_phone"].value() or ""
    if created is not None and not phone:
        phone = created.citizen_phone
    data = form.data if form.is_bound else {}
    can_answer = (created is not None and created.ticket_type == TicketType.INQUIRY
                  and created.status == Status.RECEIVED and can(request.user, g.ANSWER, created))
    context: dict[str, Any] = {
        "form": form,
        "created": created,
        "can_answer": can_answer,
        "answer_form": answer_form or (AnswerForm(initial={"version": created.version}) if can_answer and created
                                       else None),
        "map_centre": selectors.map_centre(),
        "history": selectors.caller_history(request.user, str(phone)),
        "history_phone": selectors.normalise_phone(str(phone)),
        "suggestions": selectors.suggestions_for(request.user, f"{data.get('title', '')}\n"
                                                 f"{data.get('description', '')}".strip(),
                                                 _float(data.get("latitude")), _float(data.get("longitude"))),
    }
    return render(request, "intake/console.html", context, status=status)


@login_required
def console(request: HttpRequest) -> HttpResponse:
    _require_operator(request)
    if request.method != "POST":
        return _console(request, _new_form(), created=_created(request))
    if "narrow" in request.POST:
        # The category filter without scripts: show the list narrowed, keep everything typed, record nothing.
        search = request.POST.get("category_search", "")
        keep = request.POST.get("category", "")
        groups = selectors.category_groups(search, keep=int(keep) if keep.isdigit() else None)
        return _console(request, CallForm(initial=request.POST.dict(), groups=groups))
    form = CallForm(request.POST, groups=selectors.category_groups())
    if form.is_valid():
        try:
            result = ticket_intake(actor=request.user, data=form.to_input(),
                                   idempotency_key=str(form.cleaned_data["idempotency_key"]))
            ticket, created = result.ticket, result.created
        except ApplicationError as exc:
            form.add_error(SERVICE_FIELDS.get(exc.details.get("field", "")), exc.message)
        else:
            if created:
                messages.success(request, _("Ticket %(number)s recorded.") % {"number": ticket.number})
                if result.analysis is not None and result.analysis.auto_dispatched:
                    messages.info(request, _("Dispatched automatically to %(unit)s.")
                                  % {"unit": result.analysis.units[0]["label"]})
            else:
                messages.info(request, _("This call was already recorded as ticket %(number)s.")
                              % {"number": ticket.number})
            return redirect(f"{reverse('intake:console')}?created={ticket.pk}")
    return _console(request, form, status=422)


@login_required
@require_POST
def answer(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Answer an inquiry at intake and close it (一次办结), through the workflow."""
    _require_operator(request)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_transition(ticket_id=ticket_id, action="answer", actor=request.user,
                                       params=services.TransitionInput(reply=form.cleaned_data["reply"]),
                                       expected_version=form.cleaned_data["version"])
        except ApplicationError as exc:
            form.add_error("reply" if exc.details.get("field") == "reply" else None, exc.message)
        else:
            messages.success(request, _("Answered and closed."))
            return redirect("intake:console")
    try:
        created = ticket_selectors.ticket_get(request.user, ticket_id)
    except NotFound:
        created = None
    return _console(request, _new_form(), created=created, answer_form=form, status=422)


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    """The caller's earlier tickets, for the panel beside the form (fetched as the phone number is typed)."""
    _require_operator(request)
    phone = request.GET.get("citizen_phone", "")
    return render(request, "intake/_history.html", {
        "history": selectors.caller_history(request.user, phone), "history_phone": selectors.normalise_phone(phone)})


@login_required
@require_POST
def suggestions(request: HttpRequest) -> HttpResponse:
    """The suggestions panel for what has been typed so far."""
    _require_operator(request)
    text = f"{request.POST.get('title', '')}\n{request.POST.get('description', '')}".strip()
    return render(request, "intake/_suggestions.html", {"suggestions": selectors.suggestions_for(
        request.user, text, _float(request.POST.get("latitude")), _float(request.POST.get("longitude")))})


@login_required
@require_GET
def grids(request: HttpRequest) -> JsonResponse:
    """The grid polygons for the console's map."""
    _require_operator(request)
    response = JsonResponse(selectors.grid_layer(request.user), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_GET
def grid_at(request: HttpRequest) -> JsonResponse:
    """Which grid a point falls in: {"grid": {"id", "name", "trail"}} or {"grid": null}."""
    _require_operator(request)
    latitude, longitude = _float(request.GET.get("latitude")), _float(request.GET.get("longitude"))
    if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return JsonResponse({"error": _("Give a latitude and a longitude.")}, status=400)
    found = selectors.grid_at(latitude, longitude)
    grid = None if found is None else {"id": found.id, "name": found.name, "trail": found.trail}
    return JsonResponse({"grid": grid}, json_dumps_params={"ensure_ascii": False})
