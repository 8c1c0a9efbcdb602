from typing import Any

from django import template

from cityloop.assessment import selectors
from cityloop.assessment.choices import Decision
from cityloop.assessment.forms import EXEMPTION_FORM_KEY, ExemptionRequestForm
from cityloop.security import grants as g
from cityloop.security.access import can

register = template.Library()


@register.filter
def percent(rate: float | None) -> str:
    """A rate as a percentage with one decimal, or a dash where there is nothing to measure."""
    return "-" if rate is None else f"{rate * 100:.1f}%"


@register.filter
def figure(figures: dict[str, object], name: str) -> object:
    """One figure of a stored cell: rates as percentages, the composite with two decimals, counts as they are."""
    value = figures.get(name)
    if name == "composite":
        return "-" if value is None else f"{value:.2f}"
    if name.endswith("_rate"):
        return percent(value)  # type: ignore[arg-type]
    return value


@register.inclusion_tag("assessment/_exemption.html", takes_context=True)
def ticket_exemption(context: Any, ticket: Any) -> dict[str, Any]:
    """The ticket page's exemption section (免考核申请): the requests so far and, for a handler of the primary
    unit while none is pending or approved, the form to ask (refused, with what was typed: see views)."""
    request = context["request"]
    exemptions = selectors.exemption_list_for_ticket(request.user, ticket)
    may_ask = (selectors.can_request_exemption(request.user, ticket)
               and not any(e.decision in (Decision.PENDING, Decision.APPROVE) for e in exemptions))
    return {
        "ticket": ticket, "request": request, "csrf_token": context.get("csrf_token"), "exemptions": exemptions,
        "form": request.__dict__.get(EXEMPTION_FORM_KEY) or (ExemptionRequestForm() if may_ask else None),
        "supervises": can(request.user, g.SUPERVISE, ticket),
    }
