"""REST API input and output shapes of the assessment stage: exemptions and callback attempts."""

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import BaseModel

from cityloop.assessment.choices import CallbackOutcome, Decision, ExemptionKind
from cityloop.assessment.models import ATTACHMENT_MAX_LENGTH, EVIDENCE_MAX_LENGTH, Exemption


class DecisionChoice(StrEnum):
    """A decision as the API names it (the database keeps "" for pending)."""

    PENDING = "pending"
    APPROVE = Decision.APPROVE.value
    REJECT = Decision.REJECT.value


# Inputs are plain pydantic models: ninja's Schema reads any object by attribute, so a JSON list or string
# would pass as "all defaults" and, for a body whose fields all have defaults, be accepted.
class ExemptionIn(BaseModel):
    kind: ExemptionKind
    evidence: str = Field(max_length=EVIDENCE_MAX_LENGTH, pattern=r"\S",
                          description="Why the demand is unreasonable or outside the unit's jurisdiction.")
    attachment: str = Field("", max_length=ATTACHMENT_MAX_LENGTH,
                            description="Optional reference to a document: an attached file's name, a letter's number.")


class ExemptionApproveIn(BaseModel):
    decision: Literal["approve"]
    reason: str = Field("", max_length=5000)


class ExemptionRejectIn(BaseModel):
    decision: Literal["reject"]
    reason: str = Field(max_length=5000, pattern=r"\S", description="Why the request is rejected.")


# Approve, or reject with a reason: told apart by `decision`, so that the document states the rule.
ExemptionDecisionIn = Annotated[ExemptionApproveIn | ExemptionRejectIn, Field(discriminator="decision")]


class ExemptionOut(Schema):
    id: int
    ticket_id: int
    ticket_number: str
    kind: ExemptionKind
    evidence: str
    attachment: str
    requested_by: str
    requested_at: dt.datetime
    decision: DecisionChoice
    decided_by: str | None
    decided_at: dt.datetime | None
    reason: str

    @staticmethod
    def resolve_ticket_number(obj: Exemption) -> str:
        return obj.ticket.number or ""

    @staticmethod
    def resolve_requested_by(obj: Exemption) -> str:
        return obj.requested_by.get_username()

    @staticmethod
    def resolve_decision(obj: Exemption) -> str:
        return obj.decision or DecisionChoice.PENDING.value

    @staticmethod
    def resolve_decided_by(obj: Exemption) -> str | None:
        return obj.decided_by.get_username() if obj.decided_by else None


class ExemptionFilters(Schema):
    decision: DecisionChoice | None = None


class CallbackDueOut(BaseModel):
    ticket_id: int
    number: str
    title: str
    completed_at: dt.datetime
    callback_due: dt.datetime = Field(description="Completion plus the year's callback days, in working time.")
    unreachable_attempts: int = Field(description="Unreachable attempts since the completion.")


class CallbackAttemptIn(BaseModel):
    note: str = Field("", max_length=1000, description="What happened: no answer, busy, switched off.")


class CallbackAttemptOut(Schema):
    id: int
    ticket_id: int
    at: dt.datetime
    outcome: CallbackOutcome
    note: str
    unreachable_attempts: int = Field(description="Unreachable attempts since the ticket's latest completion, this "
                                                  "one included.")
    unreachable_limit: int = Field(description="At this many the callback is over: the ticket counts as unreachable.")
