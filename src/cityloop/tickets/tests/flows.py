"""Driving tickets through the workflow in tests, with the actor and input each action needs."""

from typing import Any

from cityloop.conftest import World
from cityloop.tickets.models import Ticket
from cityloop.tickets.services import TicketInput, TransitionInput, ticket_create, ticket_transition

# How to reach each state from "received" by the real workflow.
PATHS: dict[str, list[str]] = {
    "received": [],
    "dispatched": ["dispatch"],
    "returned": ["dispatch", "return"],
    "disputed": ["dispatch", "return", "dispute"],
    "signed": ["dispatch", "sign"],
    "in_progress": ["dispatch", "sign", "contact"],
    "extension_pending": ["dispatch", "sign", "contact", "request_extension"],
    "suspended": ["dispatch", "sign", "contact", "suspend"],
    "completed": ["dispatch", "sign", "contact", "complete"],
    "closed": ["dispatch", "sign", "contact", "complete", "callback"],
    "merged": ["merge"],
    "invalid": ["invalidate"],
}


def new_ticket(world: World, **overrides: Any) -> Ticket:
    data = TicketInput(channel="phone", ticket_type="complaint", title="小区门口垃圾堆积",
                       description="望江社区3栋门口垃圾三天没人清运，气味很大。", citizen_name="王先生",
                       citizen_phone="13812345678", latitude=30.605, longitude=114.305,
                       category_id=world.category.pk)
    for key, value in overrides.items():
        setattr(data, key, value)
    ticket, _ = ticket_create(actor=world.users["operator"], data=data)
    return ticket


def valid_call(world: World, action: str, ticket: Ticket) -> tuple[str, dict[str, Any]]:
    """Who performs the action and with what input, so that it succeeds."""
    unit = world.department.pk
    calls: dict[str, tuple[str, dict[str, Any]]] = {
        "answer": ("operator", {"reply": "已按政策解答。"}),
        "dispatch": ("dispatcher", {"unit_id": unit}),
        "return": ("handler", {"note": "不属于本单位职责。"}),
        "dispute": ("dispatcher", {"note": "职责清单显示属于城管。"}),
        "arbitrate": ("supervisor", {"unit_id": unit, "note": "按职责清单由城管办理。"}),
        "sign": ("handler", {}),
        "contact": ("handler", {"note": "已电话联系市民。"}),
        "note": ("handler", {"note": "已安排环卫车辆。"}),
        "summon": ("handler", {"co_unit_ids": [world.other_department.pk]}),
        "request_extension": ("handler", {"days": 3, "note": "需协调物业。"}),
        "approve_extension": ("supervisor", {}),
        "refuse_extension": ("supervisor", {"note": "理由不充分。"}),
        "suspend": ("handler", {"note": "等待法院判决。"}),
        "resume": ("handler", {}),
        "complete": ("handler", {"reply": "垃圾已清运，并增加清运频次。"}),
        "callback": ("operator", {"resolved": False, "satisfaction": "unsatisfied"}),
        "reopen": ("operator", {"note": "市民不满意。"}),
        "invalidate": ("operator", {"note": "骚扰电话。"}),
        "urge": ("supervisor", {"note": "请尽快办理。"}),
        "supervise": ("supervisor", {"note": "列入督办。"}),
    }
    if action == "merge":
        return "operator", {"merged_into_id": new_ticket(world, title="另一个工单").pk}
    return calls[action]


def drive(world: World, ticket: Ticket, state: str) -> Ticket:
    for action in PATHS[state]:
        username, params = valid_call(world, action, ticket)
        ticket = ticket_transition(ticket_id=ticket.pk, action=action, actor=world.users[username],
                                   params=TransitionInput(**params))
    assert ticket.status == state
    return ticket
