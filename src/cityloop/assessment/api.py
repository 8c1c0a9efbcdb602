"""REST endpoints of the assessment stage: exemption requests and decisions, failed callback attempts."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status as HttpStatus

from cityloop.assessment import selectors, services
from cityloop.assessment.choices import Decision
from cityloop.assessment.models import UNREACHABLE_ATTEMPTS
from cityloop.assessment.schemas import (
    CallbackAttemptIn,
    CallbackAttemptOut,
    CallbackDueOut,
    DecisionChoice,
    ExemptionDecisionIn,
    ExemptionFilters,
    ExemptionIn,
    ExemptionOut,
)
from cityloop.security import grants as g
from cityloop.security.auth import API_AUTH
from cityloop.tickets.schemas import ErrorOut, ValidationErrorOut
from cityloop.tickets.services import PermissionDenied

router = Router(tags=["assessment"], auth=API_AUTH)
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}


@router.get("/exemptions", response={200: list[ExemptionOut], 422: ValidationErrorOut}, operation_id="exemption_list")
@paginate(LimitOffsetPagination)
def exemption_list(request: HttpRequest, filters: Query[ExemptionFilters]) -> Any:
    """Exemption requests on the tickets the caller supervises, oldest first (filter `decision=pending` for the
    ones to decide)."""
    decision = None if filters.decision is None else (
        Decision.PENDING if filters.decision == DecisionChoice.PENDING else filters.decision.value)
    return selectors.exemption_list_supervised(request.user, decision=decision)


@router.post("/tickets/{ticket_id}/exemptions", response={201: ExemptionOut, **ERRORS},
             operation_id="exemption_request")
def exemption_request(request: HttpRequest, ticket_id: int, payload: ExemptionIn) -> Any:
    """A handler of the ticket's primary unit asks to leave it out of the rates (unreasonable, or outside the
    unit's jurisdiction), with evidence; a supervisor decides. 409 while one is pending or once one is approved."""
    exemption = services.exemption_request(ticket_id=ticket_id, actor=request.user, kind=payload.kind.value,
                                           evidence=payload.evidence, attachment=payload.attachment)
    return HttpStatus(201, exemption)


@router.post("/exemptions/{exemption_id}/decision", response={200: ExemptionOut, **ERRORS},
             operation_id="exemption_decide")
def exemption_decide(request: HttpRequest, exemption_id: int, payload: ExemptionDecisionIn) -> Any:
    """A supervisor of the ticket's area approves (the ticket leaves the rates) or rejects (saying why).
    409 once decided."""
    return services.exemption_decide(exemption_id=exemption_id, actor=request.user, decision=payload.decision,
                                     reason=payload.reason)


class _CallbacksDue:
    """Waiting callbacks as the pagination reads them: counted by the database, deadlines worked out per page."""

    def __init__(self, user: Any) -> None:
        self.tickets = selectors.callbacks_waiting(user, g.CALLBACK)

    def __len__(self) -> int:
        return self.tickets.count()

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return [{"ticket_id": t.pk, "number": t.number, "title": t.title, "completed_at": t.completed_at,
                 "callback_due": due, "unreachable_attempts": n}
                for t, due, n in selectors.callback_rows(self.tickets[page])]


@router.get("/callbacks", response={200: list[CallbackDueOut], 403: ErrorOut, 422: ValidationErrorOut},
            operation_id="callback_list")
@paginate(LimitOffsetPagination)
def callback_list(request: HttpRequest) -> Any:
    """Completed tickets in the caller's area waiting for their callback (回访), oldest completion first, with the
    callback deadline and the unreachable attempts so far (what the operators' callback page lists). The centre's
    staff only: 403 for others."""
    if not selectors.can_call_back(request.user):
        raise PermissionDenied(_("You may not do this."))
    return _CallbacksDue(request.user)


@router.post("/tickets/{ticket_id}/callback-attempts", response={201: CallbackAttemptOut, **ERRORS},
             operation_id="callback_attempt_record")
def callback_attempt_record(request: HttpRequest, ticket_id: int, payload: CallbackAttemptIn) -> Any:
    """The centre tried to call the citizen back and did not reach them. At `unreachable_limit` attempts the
    callback is over: the platform closes the ticket (action `close_unreachable`), which counts as unreachable
    (409 for any further attempt). Attempts count from the ticket's latest completion. A reached citizen's
    answers are recorded with the ticket's `callback` action."""
    attempt = services.callback_attempt_record(ticket_id=ticket_id, actor=request.user, note=payload.note)
    failed = selectors.unreachable_since_completion(
        attempt.ticket, attempt.ticket.callback_attempts.all())  # type: ignore[attr-defined]
    return HttpStatus(201, {"id": attempt.pk, "ticket_id": attempt.ticket_id, "at": attempt.at,
                            "outcome": attempt.outcome, "note": attempt.note, "unreachable_attempts": failed,
                            "unreachable_limit": UNREACHABLE_ATTEMPTS})
