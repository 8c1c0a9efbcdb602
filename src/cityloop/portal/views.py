"""The citizen portal's pages: thin views that parse, call one service or selector, and render."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cityloop.core import clock
from cityloop.core.errors import ApplicationError, NotFound
from cityloop.portal import selectors, services
from cityloop.portal.contacts import EMAIL, Contact
from cityloop.portal.forms import CodeForm, RatingForm, ReportForm, SignInForm, SubscriptionForm, TrackForm
from cityloop.security.access import memberships_of
from cityloop.security.masking import mask_email, mask_phone
from cityloop.tickets.choices import Status
from cityloop.tickets.services import ticket_transition

REPORTED_KEY = "portal_reported"
TRACK_KEY = "portal_track"
SIGN_IN_KEY = "portal_sign_in"
citizen_required = login_required(login_url="portal:track")


def _refusal(form: Any, exc: ApplicationError) -> None:
    """Show a service's refusal next to the field it names, or above the form."""
    field = exc.details.get("field", "")
    form.add_error(field if field in form.fields else None, exc.message)


def _citizen_actor(request: HttpRequest) -> Any:
    """The signed-in citizen; staff reporting on the portal report as anyone does (their roles don't apply)."""
    user = request.user
    return user if user.is_authenticated and not memberships_of(user) else None


def report(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                ticket, _created = services.report_submit(
                    actor=_citizen_actor(request), data=form.to_input(),
                    idempotency_key=form.cleaned_data["idempotency_key"], photo=form.cleaned_data["photo"])
            except ApplicationError as exc:
                _refusal(form, exc)
            else:
                request.session[REPORTED_KEY] = ticket.number
                return redirect("portal:reported")
        status = 422
    else:
        citizen = _citizen_actor(request)
        form = ReportForm(initial={"citizen_email": citizen.email} if citizen is not None else {})
    context = {"form": form, "city": selectors.city_centre()}
    return render(request, "portal/report.html", context, status=status)


def reported(request: HttpRequest) -> HttpResponse:
    number = request.session.get(REPORTED_KEY)
    if not number:
        return redirect("portal:report")
    return render(request, "portal/reported.html", {"number": number})


def _code_sent(request: HttpRequest, key: str, contact: Contact, **extra: str) -> None:
    """Remember, in the session, whom a code was (perhaps) sent to; the code pages read it back."""
    request.session[key] = {"kind": contact.kind, "value": contact.value, "at": clock.now().timestamp(),
                            "tries": 0, **extra}


def track(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = TrackForm(request.POST)
        if form.is_valid():
            number, contact = form.cleaned_data["number"], form.cleaned_data["contact"]
            try:
                services.otp_request(number=number, contact=contact)
            except ApplicationError as exc:
                _refusal(form, exc)
            else:
                _code_sent(request, TRACK_KEY, contact, number=number)
                return redirect("portal:code")
        status = 422
    else:
        form = TrackForm(initial={"number": request.GET.get("number", "")[:24]})
    return render(request, "portal/track.html", {"form": form}, status=status)


def _safe_next(request: HttpRequest, url: str) -> str:
    """Where to go after signing in: a page of this site only (no open redirect), else ""."""
    allowed = url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                              require_https=request.is_secure())
    return url if url and allowed else ""


def sign_in(request: HttpRequest) -> HttpResponse:
    """Sign in without a ticket: a code to a phone or e-mail address makes the person a verified resident."""
    status = 200
    if request.method == "POST":
        form = SignInForm(request.POST)
        if form.is_valid():
            contact = form.cleaned_data["contact"]
            try:
                services.otp_request(contact=contact)
            except ApplicationError as exc:
                _refusal(form, exc)
            else:
                _code_sent(request, SIGN_IN_KEY, contact, next=_safe_next(request, form.cleaned_data["next"]))
                return redirect("portal:sign_in_code")
        status = 422
    else:
        form = SignInForm(initial={"next": _safe_next(request, request.GET.get("next", ""))})
    return render(request, "portal/sign_in.html", {"form": form}, status=status)


def _session_backend() -> str:
    """The backend a code sign-in is recorded under: the first that can load the user again on the next request
    (a guard such as django-axes may come first and loads nobody)."""
    return next(path for path in settings.AUTHENTICATION_BACKENDS if hasattr(import_string(path), "get_user"))


def _code_refusal(state: dict[str, Any]) -> str | None:
    """Refusals decided by the session alone, the same whether or not a code was really sent."""
    if state.get("tries", 0) >= services.MAX_ATTEMPTS:
        return _("Too many wrong codes. Ask for a new code.")
    if clock.now().timestamp() > state.get("at", 0) + services.CODE_VALID.total_seconds():
        return _("This code has expired. Ask for a new code.")
    return None


def _code_signs_in(request: HttpRequest, key: str, form: CodeForm) -> Any:
    """The code form of either page: check the code sent for the session's request and sign the person in.

    Returns the citizen account, or None with the refusal next to the field. Wrong codes are counted in the
    session too, so that the page answers alike whether or not a code was really sent.
    """
    state = request.session[key]
    if not form.is_valid():
        return None
    if refusal := _code_refusal(state):
        form.add_error("code", refusal)
        return None
    try:
        user = services.otp_verify(number=state.get("number"), contact=Contact(state["kind"], state["value"]),
                                   code=form.cleaned_data["code"])
    except ApplicationError as exc:
        if exc.code == "otp_wrong":
            state["tries"] = tries = state.get("tries", 0) + 1
            request.session[key] = state
            left = services.MAX_ATTEMPTS - tries
            form.add_error("code", _("The code is not right. Attempts left: %(left)d.") % {"left": left}
                           if left > 0 else _("Too many wrong codes. Ask for a new code."))
        else:
            _refusal(form, exc)
        return None
    login(request, user, backend=_session_backend())
    request.session.pop(key, None)
    return user


def _code_page(request: HttpRequest, state: dict[str, Any], form: CodeForm, status: int) -> HttpResponse:
    masked = mask_email(state["value"]) if state["kind"] == EMAIL else mask_phone(state["value"])
    return render(request, "portal/code.html", {"form": form, "number": state.get("number"), "masked": masked,
                                                "next": state.get("next", "")}, status=status)


def code(request: HttpRequest) -> HttpResponse:
    state = request.session.get(TRACK_KEY)
    if not state:
        return redirect("portal:track")
    form = CodeForm(request.POST or None)
    if request.method != "POST":
        return _code_page(request, state, form, 200)
    user = _code_signs_in(request, TRACK_KEY, form)
    if user is None:
        return _code_page(request, state, form, 422)
    number = state["number"]
    try:
        selectors.citizen_ticket_get(user, number)
    except NotFound:
        messages.info(request, _("This ticket belongs to another account; sign in with that account to see it."))
        return redirect("portal:mine")
    return redirect("portal:ticket", number=number)


def sign_in_code(request: HttpRequest) -> HttpResponse:
    state = request.session.get(SIGN_IN_KEY)
    if not state:
        return redirect("portal:sign_in")
    form = CodeForm(request.POST or None)
    if request.method != "POST":
        return _code_page(request, state, form, 200)
    if _code_signs_in(request, SIGN_IN_KEY, form) is None:
        return _code_page(request, state, form, 422)
    messages.success(request, _("You are signed in as a verified resident."))
    return redirect(state.get("next") or "portal:mine")


@citizen_required
def mine(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.citizen_ticket_list(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "portal/mine.html", {"page": page})


def _ticket_page(request: HttpRequest, number: str, *, rating: RatingForm | None = None,
                 subscription: SubscriptionForm | None = None, status: int = 200) -> HttpResponse:
    try:
        ticket = selectors.citizen_ticket_get(request.user, number)
    except NotFound as exc:
        raise Http404 from exc
    context = {
        "ticket": ticket,
        "events": selectors.public_timeline(ticket),
        "rating": (rating or RatingForm()) if ticket.status == Status.COMPLETED else None,
        "subscriptions": selectors.subscription_emails(ticket.pk),
        "subscription_form": subscription or SubscriptionForm(initial={"email": ticket.citizen_email}),
    }
    return render(request, "portal/ticket.html", context, status=status)


@citizen_required
@require_GET
def ticket(request: HttpRequest, number: str) -> HttpResponse:
    return _ticket_page(request, number)


@citizen_required
@require_POST
def rate(request: HttpRequest, number: str) -> HttpResponse:
    try:
        ticket = selectors.citizen_ticket_get(request.user, number)
    except NotFound as exc:
        raise Http404 from exc
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            ticket_transition(ticket_id=ticket.pk, action="callback", actor=request.user, params=form.to_input(),
                              expected_version=int(request.POST.get("version") or 0) or None)
        except NotFound as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            _refusal(form, exc)
        else:
            messages.success(request, _("Thank you: your rating is recorded."))
            return redirect("portal:ticket", number=number)
    return _ticket_page(request, number, rating=form, status=422)


@citizen_required
@require_POST
def subscribe(request: HttpRequest, number: str) -> HttpResponse:
    try:
        ticket = selectors.citizen_ticket_get(request.user, number)
    except NotFound as exc:
        raise Http404 from exc
    active = request.POST.get("active") != "0"
    form = SubscriptionForm(request.POST)
    if form.is_valid():
        services.subscription_set(actor=request.user, ticket_id=ticket.pk, email=form.cleaned_data["email"],
                                  active=active)
        messages.success(request, _("You will get an e-mail when this ticket moves on.") if active
                         else _("You will get no more e-mails about this ticket."))
        return redirect("portal:ticket", number=number)
    return _ticket_page(request, number, subscription=form, status=422)


def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an update e-mail: a confirmation page (GET), then the change (POST; link scanners only GET)."""
    try:
        subscription_id = services.subscription_id_from_token(token)
        if request.method == "POST":
            services.subscription_cancel(subscription_id=subscription_id)
            return render(request, "portal/unsubscribe.html", {"done": True})
        selectors.subscription_get(subscription_id)
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "portal/unsubscribe.html", {"done": False})


@require_GET
def public_map(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/map.html", {"city": selectors.city_centre(),
                                               "summary": selectors.public_map_summary(),
                                               "days": selectors.PUBLIC_MAP_DAYS})


@require_GET
def map_data(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(selectors.public_map_points())
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def grids(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(selectors.grid_geojson())
    response["Cache-Control"] = "public, max-age=3600"
    return response
