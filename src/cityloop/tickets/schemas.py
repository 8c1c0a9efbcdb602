"""REST API input and output shapes for tickets."""

import datetime as dt

from ninja import Field, Schema
from pydantic import BaseModel, StrictFloat

from cityloop.tickets.choices import Channel, Satisfaction, SlaState, Status, TicketType, Urgency


class TicketIn(Schema):
    channel: Channel
    ticket_type: TicketType
    urgency: Urgency = Urgency.NORMAL
    is_complex: bool = False
    category_id: int | None = None
    title: str = Field(min_length=2, max_length=200)
    description: str = Field(min_length=2, max_length=5000)
    citizen_name: str = Field("", max_length=100)
    citizen_phone: str = Field("", max_length=32, pattern=r"^[0-9+\- ]*$")
    citizen_email: str = Field("", max_length=254, pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")
    address: str = Field("", max_length=300)
    # Strict: a boolean or a numeric string is refused rather than read as a coordinate.
    latitude: StrictFloat | None = Field(None, ge=-90, le=90)
    longitude: StrictFloat | None = Field(None, ge=-180, le=180)


class TransitionIn(Schema):
    expected_version: int | None = Field(None, ge=1, description="Refuse with 409 if the ticket changed since.")
    note: str = Field("", max_length=5000)
    unit_id: int | None = None
    co_unit_ids: list[int] = Field(default_factory=list, max_length=20)
    reply: str = Field("", max_length=10000)
    days: int | None = Field(None, ge=1, le=30)
    resolved: bool | None = None
    satisfaction: Satisfaction | None = None
    merged_into_id: int | None = None


# Plain pydantic models for what the ticket endpoints answer with: they are built from dicts, which pydantic
# validates natively; ninja's Schema would first wrap each one to read attributes (~7 % of a create's CPU).
class UnitRef(BaseModel):
    id: int
    name: str


class TicketOut(BaseModel):
    id: int
    number: str
    channel: Channel
    ticket_type: TicketType
    urgency: Urgency
    is_complex: bool
    category_id: int | None
    title: str
    description: str
    citizen_name: str
    citizen_phone: str
    citizen_email: str
    address: str
    latitude: float | None
    longitude: float | None
    area_id: int | None
    place_method: str = Field(description="How the area was found: address, name, point, their combination, none.")
    place_confidence: float | None
    status: Status
    status_label: str
    version: int
    unit: UnitRef | None
    co_units: list[UnitRef]
    created_at: dt.datetime
    dispatched_at: dt.datetime | None
    signed_at: dt.datetime | None
    contacted_at: dt.datetime | None
    completed_at: dt.datetime | None
    closed_at: dt.datetime | None
    sign_due: dt.datetime | None
    contact_due: dt.datetime | None
    complete_due: dt.datetime | None
    due_at: dt.datetime | None
    sla_state: SlaState
    reply: str
    resolved: bool | None
    satisfaction: Satisfaction | None
    reopen_count: int
    return_count: int
    merged_into_id: int | None
    allowed_actions: list[str]


class TicketListItem(Schema):
    id: int
    number: str
    title: str
    ticket_type: TicketType
    urgency: Urgency
    status: Status
    unit_id: int | None
    area_id: int | None
    created_at: dt.datetime
    due_at: dt.datetime | None
    sla_state: SlaState


class EventOut(Schema):
    id: int
    action: str
    action_label: str
    from_status: str
    to_status: Status
    actor: str | None
    actor_unit_id: int | None
    at: dt.datetime
    note: str
    data: dict


class ErrorOut(Schema):
    code: str
    message: str
    details: dict = Field(default_factory=dict)


class FieldError(Schema):
    field: str
    message: str
    type: str


class ValidationErrorOut(Schema):
    code: str
    message: str
    errors: list[FieldError]
