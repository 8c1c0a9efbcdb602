"""Monthly assessment pages: rankings and trends, drill-down to tickets, report downloads, exemptions, reviews."""

import datetime as dt
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
from cityloop.assessment.choices import Decision, ScopeKind
from cityloop.assessment.engine import COUNTS
from cityloop.assessment.forms import EXEMPTION_FORM_KEY, ExemptionDecideForm, ExemptionRequestForm
from cityloop.assessment.report import RATES, rate_labels
from cityloop.core.errors import ApplicationError, NotFound
from cityloop.tickets.selectors import ticket_get
from cityloop.tickets.services import PermissionDenied as RefusedAction
from cityloop.tickets.views import ticket_page


def _supervisor(request: HttpRequest) -> None:
    if not selectors.can_supervise(request.user):
        raise PermissionDenied


def _month(value: str) -> dt.date:
    try:
        return services.month_bounds(value)[0]
    except ApplicationError as exc:
        raise Http404 from exc


def count_labels() -> dict[str, str]:
    return {"response_due": _("Response due"), "responded": _("Responded on time"), "called_back": _("Called back"),
            "resolved": _("Resolved"), "satisfied": _("Satisfied"), "basically_satisfied": _("Basically satisfied"),
            "unsatisfied": _("Unsatisfied"), "first_time_resolved": _("Resolved the first time"),
            "reopened": _("Reopened"), "completion_due": _("Completion due"),
            "completed_on_time": _("Completed on time"), "completed_late": _("Completed late"),
            "open_overdue": _("Open and overdue"), "exempted": _("Exempted"), "unreachable": _("Unreachable")}


@login_required
def rankings(request: HttpRequest) -> HttpResponse:
    _supervisor(request)
    months = selectors.assessment_months()
    month = _month(request.GET["month"]) if request.GET.get("month") else (months[0] if months else None)
    kind = request.GET.get("kind", ScopeKind.UNIT)
    if kind not in ScopeKind.values:
        kind = ScopeKind.UNIT
    rows = selectors.assessment_ranking(month=month, kind=kind) if month else []
    labels = rate_labels()
    context: dict[str, Any] = {
        "months": months, "month": month, "kind": kind, "kinds": ScopeKind.choices, "rows": rows,
        "rates": [(name, labels[name]) for name in RATES],
        "counts": [(name, label) for name, label in count_labels().items()],
    }
    return render(request, "assessment/rankings.html", context)


@login_required
def scope(request: HttpRequest, month: str, kind: str, scope_id: int) -> HttpResponse:
    """One scope: its figures of the month (each count links to its tickets) and its monthly trend."""
    _supervisor(request)
    period = _month(month)
    trend = selectors.assessment_trend(kind=kind, scope_id=scope_id)
    cell = next((r for r in trend if r.period == period), None)
    if cell is None:
        raise Http404
    labels = rate_labels()
    return render(request, "assessment/scope.html", {
        "cell": cell, "month": period, "trend": trend, "rates": [(n, labels[n]) for n in RATES],
        "counts": list(count_labels().items())})


@login_required
def tickets(request: HttpRequest, month: str, kind: str, scope_id: int, measure: str) -> HttpResponse:
    _supervisor(request)
    if measure not in COUNTS:
        raise Http404
    period = _month(month)
    queryset = selectors.assessment_tickets(request.user, month=period, kind=kind, scope_id=scope_id,
                                            measure=measure)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(request, "assessment/tickets.html", {
        "month": period, "kind": kind, "scope_id": scope_id, "measure": measure,
        "measure_label": count_labels()[measure], "page": page})


@login_required
def report_download(request: HttpRequest, month: str, fmt: str) -> HttpResponse:
    _supervisor(request)
    from cityloop.assessment.report import docx_bytes, report_build, xlsx_bytes

    if fmt not in ("docx", "xlsx"):
        raise Http404
    period = _month(month)
    try:
        report = report_build(month=period)
    except NotFound as exc:
        raise Http404 from exc
    if fmt == "docx":
        body, mime = docx_bytes(report), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    else:
        body, mime = xlsx_bytes(report), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="assessment-{period:%Y-%m}.{fmt}"'
    return response


def _reviews(request: HttpRequest, refused: ExemptionDecideForm | None = None, status: int = 200) -> HttpResponse:
    _supervisor(request)
    exemptions = selectors.exemption_list_supervised(request.user, decision=Decision.PENDING)[:100]
    return render(request, "assessment/reviews.html", {
        "exemptions": [(e, refused if refused is not None and refused.exemption_id == e.pk
                        else ExemptionDecideForm(e.pk)) for e in exemptions],
        "reviews": selectors.reviews_open(request.user)[:100],
        "callbacks": selectors.callbacks_due(request.user)}, status=status)


@login_required
def reviews(request: HttpRequest) -> HttpResponse:
    """Exemption requests to decide, the supervisor's review list and the callbacks waiting."""
    return _reviews(request)


@require_POST
@login_required
def exemption_decide(request: HttpRequest, exemption_id: int) -> HttpResponse:
    """Approve or reject; a refusal shows the review page again with the error next to the reason."""
    _supervisor(request)
    form = ExemptionDecideForm(exemption_id, request.POST)
    if form.is_valid():
        try:
            services.exemption_decide(exemption_id=exemption_id, actor=request.user,
                                      decision=form.cleaned_data["decision"], reason=form.cleaned_data["reason"])
        except NotFound as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            if exc.details.get("field") == "reason":
                form.add_error("reason", exc.message)
            else:  # decided meanwhile: the request has left the list, so the message goes on top
                messages.error(request, exc.message)
                return redirect("assessment:reviews")
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("assessment:reviews")
    elif "decision" in form.errors:
        messages.error(request, " ".join(str(e) for e in form.errors["decision"]))
    return _reviews(request, refused=form, status=422)


@require_POST
@login_required
def exemption_request(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """A handler's exemption request from the ticket page; refused, the ticket page again with the input kept."""
    try:
        ticket = ticket_get(request.user, ticket_id)
    except NotFound as exc:
        raise Http404 from exc
    if not selectors.can_request_exemption(request.user, ticket):
        raise PermissionDenied
    form = ExemptionRequestForm(request.POST)
    if form.is_valid():
        try:
            services.exemption_request(ticket_id=ticket_id, actor=request.user, **form.cleaned_data)
        except NotFound as exc:
            raise Http404 from exc
        except RefusedAction as exc:
            raise PermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            field = exc.details.get("field", "")
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Exemption requested; a supervisor decides."))
            return redirect("tickets:detail", ticket_id=ticket_id)
    # The ticket page again, with the refused form in its exemption section (see templatetags/assessment.py).
    request.__dict__[EXEMPTION_FORM_KEY] = form
    return ticket_page(request, ticket_id, status=422)


@require_POST
@login_required
def review_close(request: HttpRequest, review_id: int) -> HttpResponse:
    _supervisor(request)
    try:
        services.review_close(review_id=review_id, actor=request.user, note=request.POST.get("note", ""))
    except NotFound as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Review closed."))
    return redirect("assessment:reviews")
