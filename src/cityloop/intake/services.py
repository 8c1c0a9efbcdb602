"""The intake pipeline (受理): check the text, classify it, record the ticket, then find duplicates, propose the
handling unit and dispatch automatically when the proposal is sure enough.

`ticket_create` stays the one way a ticket is written (it resolves the place; masking happens on output);
`ticket_intake` wraps it with what the platform knows. Everything after the ticket is recorded is advice: a
failure there is logged and leaves the ticket in the dispatcher's queue, never loses it.
"""

import dataclasses
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from cityloop.core import clock
from cityloop.core.errors import InvalidInput
from cityloop.intelligence.models import IntakeAnalysis
from cityloop.security import grants as g
from cityloop.security.access import grants_for
from cityloop.tickets.choices import TicketType, Urgency
from cityloop.tickets.models import Ticket
from cityloop.tickets.services import TicketInput, TransitionInput, ticket_create, ticket_transition

log = logging.getLogger(__name__)

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
# The classifier's category is taken without the operator's choice only when it is this sure.
CATEGORY_ACCEPT = 0.8
# Words that make a demand urgent whatever else it says (life and safety at risk now).
EMERGENCY_WORDS = ("燃气泄漏", "煤气泄漏", "天然气泄漏", "漏气", "起火", "着火", "火灾", "冒烟", "爆炸", "塌陷",
                   "坍塌", "倒塌", "触电", "漏电", "电线掉落", "被困", "溺水", "井盖丢失", "窨井盖缺失", "爆管",
                   "水管爆裂", "危及生命", "中毒")
# The type from the wording when the operator left it open and no type model is active; first match wins.
TYPE_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (TicketType.PRAISE, ("表扬", "感谢", "点赞", "锦旗")),
    (TicketType.REPORT, ("举报", "违法", "偷排", "非法")),
    (TicketType.SUGGESTION, ("建议", "希望增设", "能否增加")),
    (TicketType.INQUIRY, ("咨询", "请问", "怎么办理", "如何办理", "需要什么材料", "在哪里办", "怎么查", "能不能",
                          "是否可以", "多少钱", "？", "?")),
    (TicketType.HELP, ("求助", "帮忙", "帮助")),
)
# Characters that never occur in a typed or transcribed demand: controls (except tab and newlines), the
# replacement character of a failed decoding, private-use and unassigned code points.
_JUNK = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\ufffe\uffff]")


@dataclass
class IntakeResult:
    ticket: Ticket
    created: bool
    analysis: IntakeAnalysis | None


def _check_text(value: str, field: str, limit: int, required: bool) -> str:
    if not isinstance(value, str):
        raise InvalidInput(_("Text expected."), code="invalid_text", details={"field": field})
    value = value.strip()
    if required and not value:
        raise InvalidInput(_("This field is required."), code="field_required", details={"field": field})
    if len(value) > limit:
        raise InvalidInput(_("At most %(limit)d characters (this text has %(length)d).")
                           % {"limit": limit, "length": len(value)}, code="too_long", details={"field": field})
    if _JUNK.search(value) or any(unicodedata.category(ch) in ("Co", "Cn", "Cs") for ch in value):
        raise InvalidInput(_("The text contains characters that are not text (binary data?)."),
                           code="binary_text", details={"field": field})
    return value


def emergency_word(text: str) -> str:
    """The first emergency keyword in the text, or ""."""
    return next((word for word in EMERGENCY_WORDS if word in text), "")


def type_by_rule(text: str) -> str:
    for ticket_type, words in TYPE_RULES:
        if any(word in text for word in words):
            return str(ticket_type)
    return str(TicketType.COMPLAINT)


def _can_dispatch(actor: Any, ticket: Ticket) -> bool:
    grants = grants_for(actor, g.DISPATCH)
    return not grants.empty and ticket.in_scope(grants)


def ticket_intake(*, actor: Any, data: TicketInput, idempotency_key: str, client: str = "") -> IntakeResult:
    """Record a demand with everything intake knows. A retry with the same key returns the first ticket as is."""
    from cityloop.intelligence.suggestions import category_suggestions

    data = dataclasses.replace(data)
    data.title = _check_text(data.title, "title", TITLE_MAX, required=True)
    data.description = _check_text(data.description, "description", DESCRIPTION_MAX, required=False)
    for name in ("citizen_name", "address"):
        setattr(data, name, _check_text(getattr(data, name), name, 300, required=False))
    text = f"{data.title}\n{data.description}"
    rule = emergency_word(text)
    if rule:
        data.urgency = Urgency.EMERGENCY
    if not data.ticket_type:
        data.ticket_type = type_by_rule(text)
    categories, model_path = category_suggestions(data.title, data.description)
    if data.category_id is None and categories and categories[0]["score"] >= CATEGORY_ACCEPT:
        data.category_id = categories[0]["id"]

    ticket, created = ticket_create(actor=actor, data=data, idempotency_key=idempotency_key, client=client)
    if not created:
        return IntakeResult(ticket, False, IntakeAnalysis.objects.filter(ticket=ticket).first())
    try:
        analysis = _analyse(actor, ticket, categories, model_path, rule)
    except Exception:  # advice only: the ticket is recorded and waits in the queue
        log.exception("intake analysis failed for ticket %s", ticket.pk)
        analysis = None
    return IntakeResult(ticket, True, analysis)


def _analyse(actor: Any, ticket: Ticket, categories: list[dict[str, Any]], model_path: str,
             rule: str) -> IntakeAnalysis:
    from cityloop.dispatch.suggest import dispatch_advice, unit_labels
    from cityloop.intelligence.duplicates import duplicate_candidates
    from cityloop.intelligence.knowledge import knowledge_search

    duplicates = duplicate_candidates(title=ticket.title, description=ticket.description,
                                      latitude=ticket.latitude, longitude=ticket.longitude,
                                      category=ticket.category, exclude_id=ticket.pk)
    answers = (knowledge_search(f"{ticket.title} {ticket.description}", limit=3)
               if ticket.ticket_type == TicketType.INQUIRY else [])
    advice = dispatch_advice(ticket)
    # An inquiry is answered by the operator, a likely duplicate is merged by them: neither is dispatched blindly.
    automatic = (advice.automatic and ticket.ticket_type != TicketType.INQUIRY
                 and not any(d.suggest_merge for d in duplicates) and _can_dispatch(actor, ticket))
    analysis = IntakeAnalysis(
        ticket=ticket, categories=categories, units=unit_labels(advice),
        duplicates=[{"id": d.ticket_id, "number": d.number, "title": d.title, "score": d.score,
                     "merge": d.suggest_merge} for d in duplicates],
        answers=[{"id": a.article_id, "title": a.title, "score": a.score} for a in answers],
        category_model=model_path, urgency_rule=rule, dispatch_threshold=(
            advice.threshold if advice.threshold != float("inf") else None),
        auto_dispatched=automatic, created_at=clock.now())
    if automatic:
        try:
            # One transaction: the analysis says "dispatched automatically" exactly when the ticket was.
            with transaction.atomic():
                ticket_transition(ticket_id=ticket.pk, action="dispatch", actor=actor, params=TransitionInput(
                    unit_id=advice.units[0].unit_id, note=_("Dispatched automatically (confidence %(score).2f).")
                    % {"score": advice.units[0].confidence}))
                analysis.save()
            return analysis
        except Exception:  # the ticket waits in the dispatcher's queue; the advice is still kept
            log.exception("automatic dispatch failed for ticket %s", ticket.pk)
            analysis.auto_dispatched = False
    analysis.save()
    return analysis
