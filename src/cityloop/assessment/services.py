"""Writes of the assessment stage: callbacks, exemptions, reviews and the stored monthly figures."""

import datetime as dt
import math
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityloop.assessment import engine
from cityloop.assessment.choices import CallbackOutcome, Decision, ExemptionKind, ReviewKind, ScopeKind
from cityloop.assessment.models import (
    ATTACHMENT_MAX_LENGTH,
    EVIDENCE_MAX_LENGTH,
    UNREACHABLE_ATTEMPTS,
    AssessmentConfig,
    AssessmentResult,
    CallbackAttempt,
    Exemption,
    ReplyScore,
    SupervisorReview,
)
from cityloop.assessment.selectors import can_call_back_ticket, can_request_exemption, unreachable_since_completion
from cityloop.core import clock
from cityloop.core.errors import Conflict, InvalidInput, NotFound
from cityloop.organisation.models import Area, Unit
from cityloop.security import grants as g
from cityloop.security.access import can
from cityloop.security.audit import audit_record
from cityloop.tickets.choices import Satisfaction, Status
from cityloop.tickets.models import Category, Ticket
from cityloop.tickets.services import PermissionDenied, TransitionInput, ticket_transition
from cityloop.tickets.workflow import MAX_REOPENS


def month_bounds(month: str | dt.date) -> tuple[dt.date, dt.datetime, dt.datetime]:
    """"2026-10" → (first day, local midnight of the 1st, local midnight of the next month's 1st)."""
    if isinstance(month, str):
        try:
            year, mon = (int(part) for part in month.split("-"))
            first = dt.date(year, mon, 1)
        except ValueError as exc:
            raise InvalidInput(_("Give the month as YYYY-MM."), code="invalid_month",
                               details={"field": "month"}) from exc
    else:
        first = month.replace(day=1)
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    tz = timezone.get_current_timezone()
    return (first, dt.datetime.combine(first, dt.time(), tzinfo=tz),
            dt.datetime.combine(following, dt.time(), tzinfo=tz))


def weights_for(year: int) -> engine.Weights:
    config = AssessmentConfig.objects.filter(year=year).first()
    if config is None:
        return engine.Weights()
    return engine.Weights(config.weight_response, config.weight_resolution, config.weight_satisfaction,
                          config.basic_satisfied_weight)


def _ticket(ticket_id: int) -> Ticket:
    ticket = Ticket.objects.select_related("unit").filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(_("Not found."))
    return ticket


# --- callbacks (回访) ---------------------------------------------------------------------------------------

def callback_attempt_record(*, ticket_id: int, actor: Any, note: str = "") -> CallbackAttempt:
    """Note a try that did not reach the citizen (a reached citizen's answers go through `callback_record`).
    The UNREACHABLE_ATTEMPTS-th ends the callback: the platform closes the ticket, which counts as unreachable,
    not as unsatisfied."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).select_related("unit").filter(pk=ticket_id).first()
        if ticket is None or not can(actor, g.VIEW, ticket):
            raise NotFound(_("Not found."))
        if not can_call_back_ticket(actor, ticket):
            raise PermissionDenied(_("You may not do this to this ticket."))
        # The row lock serialises attempts on PostgreSQL; SQLite serialises every write anyway.
        failed = unreachable_since_completion(ticket, CallbackAttempt.objects.filter(ticket=ticket))
        if failed >= UNREACHABLE_ATTEMPTS:
            raise Conflict(_("The citizen was not reached %(n)d times; the callback is over.")
                           % {"n": UNREACHABLE_ATTEMPTS}, code="unreachable_limit")
        if ticket.status != Status.COMPLETED:
            raise Conflict(_("Only a completed ticket is called back."), code="not_completed")
        attempt = CallbackAttempt.objects.create(ticket=ticket, at=clock.now(), actor=actor,
                                                 outcome=CallbackOutcome.UNREACHABLE, note=note)
        audit_record(actor=actor, action="assessment.callback_attempt", object_type="ticket",
                     object_id=ticket.pk, data={"outcome": CallbackOutcome.UNREACHABLE, "attempt": failed + 1})
        if failed + 1 == UNREACHABLE_ATTEMPTS:
            ticket_transition(ticket_id=ticket.pk, action="close_unreachable", actor=None,
                              params=TransitionInput(note=note))
    return attempt


def callback_record(*, ticket_id: int, actor: Any, resolved: bool, satisfaction: str, note: str = "") -> Ticket:
    """The callback page's answers: the workflow's callback action (with `callback_consequences`), and if the
    citizen is unsatisfied, the reopening at once while reopenings are left and the actor may reopen."""
    with transaction.atomic():
        ticket = ticket_transition(ticket_id=ticket_id, action="callback", actor=actor, params=TransitionInput(
            resolved=resolved, satisfaction=satisfaction, note=note))
        if satisfaction == Satisfaction.UNSATISFIED and _may_reopen(actor, ticket):
            ticket = ticket_transition(ticket_id=ticket.pk, action="reopen", actor=actor,
                                       params=TransitionInput(note=note or _("The citizen is unsatisfied.")))
    return ticket


def _may_reopen(actor: Any, ticket: Ticket) -> bool:
    return ticket.reopen_count < MAX_REOPENS and can(actor, g.REOPEN, ticket)


def callback_consequences(ticket: Ticket, actor: Any, params: TransitionInput) -> None:
    """In every callback's transaction, wherever it was recorded (callback page, ticket page, API, the citizen
    online): the reached attempt, and an unsatisfied answer that the actor cannot follow with a reopening
    (after the last one, or a citizen's own rating) goes on the supervisor's review list."""
    CallbackAttempt.objects.create(ticket=ticket, at=clock.now(), actor=actor, outcome=CallbackOutcome.REACHED,
                                   note=params.note)
    if params.satisfaction == Satisfaction.UNSATISFIED and not _may_reopen(actor, ticket):
        kind = ReviewKind.REOPEN_LIMIT if ticket.reopen_count >= MAX_REOPENS else ReviewKind.UNSATISFIED
        SupervisorReview.objects.get_or_create(ticket=ticket, kind=kind, closed_at=None,
                                               defaults={"created_at": clock.now(), "reason": params.note})


def review_close(*, review_id: int, actor: Any, note: str) -> SupervisorReview:
    with transaction.atomic():
        review = SupervisorReview.objects.select_related("ticket").filter(pk=review_id).first()
        if review is None or not can(actor, g.SUPERVISE, review.ticket):
            raise NotFound(_("Not found."))
        if not note.strip():
            raise InvalidInput(_("Write the conclusion."), code="field_required", details={"field": "note"})
        review.closed_at, review.closed_by, review.note = clock.now(), actor, note
        review.save(update_fields=["closed_at", "closed_by", "note"])
        audit_record(actor=actor, action="assessment.review_close", object_type="ticket",
                     object_id=review.ticket_id, data={"review": review.pk})
    return review


# --- exemptions (免考核) ------------------------------------------------------------------------------------

def exemption_request(*, ticket_id: int, actor: Any, kind: str, evidence: str, attachment: str = "") -> Exemption:
    """A handler of the primary unit asks to leave the ticket out of the rates, with evidence (and optionally a
    reference to a document: an attached file's name, a letter's number). After a rejection they may ask again."""
    if kind not in ExemptionKind.values:
        raise InvalidInput(_("Choose the kind of exemption."), code="field_required", details={"field": "kind"})
    if not evidence.strip():
        raise InvalidInput(_("Give the evidence."), code="field_required", details={"field": "evidence"})
    for name, value, limit in (("evidence", evidence, EVIDENCE_MAX_LENGTH),
                               ("attachment", attachment, ATTACHMENT_MAX_LENGTH)):
        if len(value) > limit:
            raise InvalidInput(_("Enter at most %(n)s characters.") % {"n": limit}, code="too_long",
                               details={"field": name})
    with transaction.atomic():
        ticket = _ticket(ticket_id)
        if not can(actor, g.VIEW, ticket):
            raise NotFound(_("Not found."))
        if not can_request_exemption(actor, ticket):
            raise PermissionDenied(_("You may not do this to this ticket."))
        decisions = set(Exemption.objects.filter(ticket=ticket).values_list("decision", flat=True))
        if Decision.PENDING in decisions:
            raise Conflict(_("An exemption request for this ticket is waiting for a decision."),
                           code="exemption_pending")
        if Decision.APPROVE in decisions:
            raise Conflict(_("This ticket is exempted already."), code="already_exempted")
        exemption = Exemption.objects.create(ticket=ticket, kind=kind, evidence=evidence, attachment=attachment,
                                             requested_by=actor, requested_at=clock.now())
        audit_record(actor=actor, action="assessment.exemption_request", object_type="ticket",
                     object_id=ticket.pk, data={"exemption": exemption.pk, "kind": kind})
    return exemption


def exemption_decide(*, exemption_id: int, actor: Any, decision: str, reason: str = "") -> Exemption:
    """A supervisor approves (the ticket leaves the rates) or rejects an exemption request."""
    if decision not in (Decision.APPROVE, Decision.REJECT):
        raise InvalidInput(_("Approve or reject."), code="field_required", details={"field": "decision"})
    if decision == Decision.REJECT and not reason.strip():
        raise InvalidInput(_("Give the reason."), code="field_required", details={"field": "reason"})
    with transaction.atomic():
        exemption = Exemption.objects.select_for_update().select_related("ticket").filter(pk=exemption_id).first()
        if exemption is None or not can(actor, g.SUPERVISE, exemption.ticket):
            raise NotFound(_("Not found."))
        if exemption.decision != Decision.PENDING:
            raise Conflict(_("This request has been decided already."), code="already_decided")
        exemption.decision, exemption.reason = decision, reason
        exemption.decided_by, exemption.decided_at = actor, clock.now()
        exemption.save(update_fields=["decision", "reason", "decided_by", "decided_at"])
        audit_record(actor=actor, action="assessment.exemption_decide", object_type="ticket",
                     object_id=exemption.ticket_id, data={"exemption": exemption.pk, "decision": decision})
    return exemption


# --- monthly figures ---------------------------------------------------------------------------------------

def _names(kind: str, ids: set[int]) -> dict[int, str]:
    if kind == ScopeKind.CITY:
        return dict.fromkeys(ids, str(_("City")))
    if kind == ScopeKind.UNIT:
        return dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))
    if kind == ScopeKind.CATEGORY:
        return dict(Category.objects.filter(pk__in=ids).values_list("pk", "name"))
    return dict(Area.objects.filter(pk__in=ids).values_list("pk", "name"))


def assessment_recompute(*, month: str | dt.date, as_of: dt.datetime) -> dict[tuple[str, int], dict[str, Any]]:
    """Every scope's figures for the month from the event log (nothing stored)."""
    from cityloop.assessment.extract import load_log

    first, start, end = month_bounds(month)
    return engine.compute(load_log(as_of=as_of, since=start), start, end, as_of, weights_for(first.year))


def assessment_compute(*, month: str | dt.date, actor: Any = None,
                       as_of: dt.datetime | None = None) -> list[AssessmentResult]:
    """Compute and store the month's figures for every scope (replacing earlier ones for the month)."""
    first, _start, end = month_bounds(month)
    now = clock.now()
    as_of = min(as_of or now, end)
    cells = assessment_recompute(month=first, as_of=as_of)
    names: dict[str, dict[int, str]] = {}
    for kind in ScopeKind.values:
        names[kind] = _names(kind, {scope_id for k, scope_id in cells if k == kind})
    rows = [AssessmentResult(period=first, scope_kind=kind, scope_id=scope_id,
                             scope_name=names[kind].get(scope_id, ""), figures=figures, as_of=as_of,
                             computed_at=now)
            for (kind, scope_id), figures in sorted(cells.items())]
    with transaction.atomic():
        AssessmentResult.objects.filter(period=first).delete()
        AssessmentResult.objects.bulk_create(rows, batch_size=500)
        audit_record(actor=actor, action="assessment.compute", object_type="assessment", object_id=f"{first:%Y-%m}",
                     data={"cells": len(rows), "as_of": as_of.isoformat()})
    return rows


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return bool(a == b)


def assessment_verify(*, month: str | dt.date) -> list[str]:
    """Recompute the month from the event log alone and list the cells that differ from the stored figures."""
    first, _start, _end = month_bounds(month)
    stored = list(AssessmentResult.objects.filter(period=first))
    if not stored:
        return [f"{first:%Y-%m}: nothing stored"]
    as_of = stored[0].as_of
    fresh = assessment_recompute(month=first, as_of=as_of)
    problems: list[str] = []
    seen: set[tuple[str, int]] = set()
    for row in stored:
        key = (row.scope_kind, row.scope_id)
        seen.add(key)
        if key not in fresh:
            problems.append(f"{row.scope_kind}:{row.scope_id} stored but not recomputed")
            continue
        for name in sorted(set(row.figures) | set(fresh[key])):
            if not _same(row.figures.get(name), fresh[key].get(name)):
                problems.append(f"{row.scope_kind}:{row.scope_id}.{name} stored {row.figures.get(name)!r} "
                                f"recomputed {fresh[key].get(name)!r}")
    problems += [f"{kind}:{scope_id} recomputed but not stored" for kind, scope_id in sorted(set(fresh) - seen)]
    return problems


# --- reply quality (答复质量) -------------------------------------------------------------------------------

def reply_score_record(*, ticket_id: int, actor: Any = None) -> ReplyScore:
    """Score the ticket's reply; a low total puts the ticket on the supervisor's review list."""
    from cityloop.assessment.reply_quality import score_reply
    from cityloop.tickets.calendar import working_calendar

    with transaction.atomic():
        ticket = _ticket(ticket_id)
        if not ticket.reply:
            raise Conflict(_("This ticket has no reply yet."), code="no_reply")
        replied = ticket.completed_at or ticket.closed_at
        quality = score_reply(demand=f"{ticket.title}。{ticket.description}", reply=ticket.reply,
                              received_at=ticket.created_at, replied_at=replied, calendar=working_calendar())
        now = clock.now()
        score, _created = ReplyScore.objects.update_or_create(ticket=ticket, defaults={
            "relevance": quality.relevance, "completeness": quality.completeness,
            "explanation": quality.explanation, "timeliness": quality.timeliness, "total": round(quality.total, 4),
            "working_days": quality.working_days, "scored_at": now})
        config = AssessmentConfig.objects.filter(year=now.year).first()
        low = config.low_reply_score if config else AssessmentConfig._meta.get_field("low_reply_score").default
        if quality.total < low:
            SupervisorReview.objects.get_or_create(ticket=ticket, kind=ReviewKind.REPLY_QUALITY, closed_at=None,
                                                   defaults={"created_at": now, "score": round(quality.total, 4),
                                                             "reason": _("Reply quality %(score).2f") %
                                                             {"score": quality.total}})
        audit_record(actor=actor, action="assessment.reply_score", object_type="ticket", object_id=ticket.pk,
                     data={"total": round(quality.total, 4)})
    return score
