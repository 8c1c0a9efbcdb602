"""The whole loop through the REST API alone, as an outside client would drive it."""

import json
from typing import Any

from django.test import Client

from cityloop.conftest import World
from cityloop.tickets.models import Ticket


def call(client: Client, method: str, url: str, body: dict[str, Any] | None = None,
         **headers: str) -> tuple[int, Any]:
    if method == "get":
        response = client.get(url, **headers)
    else:
        response = client.post(url, json.dumps(body or {}), content_type="application/json", **headers)
    return response.status_code, response.json()


def act(client: Client, ticket_id: int, action: str, **body: Any) -> dict[str, Any]:
    status, result = call(client, "post", f"/api/tickets/{ticket_id}/actions/{action}", body)
    assert status == 200, (action, result)
    return result


def test_full_loop_with_return_extension_and_reopen(world: World) -> None:
    operator, dispatcher = world.client("operator"), world.client("dispatcher")
    handler, other_handler = world.client("handler"), world.client("other_handler")
    supervisor = world.client("supervisor")

    status, ticket = call(operator, "post", "/api/tickets", {
        "channel": "phone", "ticket_type": "complaint", "title": "路灯不亮",
        "description": "滨江路与望江路交叉口路灯连续一周不亮，晚上行人很危险。", "citizen_name": "李女士",
        "citizen_phone": "13900001111", "latitude": 30.605, "longitude": 114.305,
        "category_id": world.category.pk})
    assert status == 201
    assert ticket["status"] == "received"
    assert ticket["area_id"] == world.grid.pk  # the point resolved to its grid
    assert "dispatch" not in ticket["allowed_actions"]  # the operator does not dispatch
    tid = ticket["id"]

    # Dispatched to the wrong unit, returned with a reason, re-dispatched to the right one.
    act(dispatcher, tid, "dispatch", unit_id=world.other_department.pk)
    returned = act(other_handler, tid, "return", note="路灯属城管局职责。")
    assert returned["status"] == "returned"
    redispatched = act(dispatcher, tid, "dispatch", unit_id=world.department.pk)
    assert redispatched["unit"]["id"] == world.department.pk
    assert call(other_handler, "get", f"/api/tickets/{tid}")[0] == 404  # no longer its ticket

    act(handler, tid, "sign")
    act(handler, tid, "contact", note="已联系李女士，约定明天上门。")
    pending = act(handler, tid, "request_extension", days=5, note="需更换线缆，等待材料。")
    assert pending["status"] == "extension_pending"
    before = pending["complete_due"]
    extended = act(supervisor, tid, "approve_extension")
    assert extended["complete_due"] > before
    act(handler, tid, "note", note="材料已到，明日施工。")
    act(handler, tid, "complete", reply="已更换线缆，路灯恢复照明。")
    closed = act(operator, tid, "callback", resolved=False, satisfaction="unsatisfied")
    assert closed["status"] == "closed"

    # The citizen was not satisfied: reopened to the same unit, handled again, closed satisfied.
    reopened = act(operator, tid, "reopen", note="市民反映仍有一盏不亮。")
    assert (reopened["status"], reopened["reopen_count"], reopened["unit"]["id"]) == ("dispatched", 1,
                                                                                     world.department.pk)
    act(handler, tid, "sign")
    act(handler, tid, "contact", note="再次联系。")
    act(handler, tid, "complete", reply="剩余一盏已修复。")
    final = act(operator, tid, "callback", resolved=True, satisfaction="satisfied")
    assert (final["status"], final["resolved"], final["satisfaction"]) == ("closed", True, "satisfied")

    status, events = call(operator, "get", f"/api/tickets/{tid}/events")
    assert status == 200
    assert [e["action"] for e in events] == [
        "receive", "dispatch", "return", "dispatch", "sign", "contact", "request_extension", "approve_extension",
        "note", "complete", "callback", "reopen", "sign", "contact", "complete", "callback"]
    assert [e["actor"] for e in events[:5]] == ["operator", "dispatcher", "other_handler", "dispatcher", "handler"]
    assert all(e["at"] for e in events)
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    assert events[2]["actor_unit_id"] == world.other_department.pk
    assert (events[1]["from_status"], events[1]["to_status"]) == ("received", "dispatched")


def test_jurisdiction_dispute_goes_to_arbitration(world: World) -> None:
    ticket_id = call(world.client("operator"), "post", "/api/tickets", {
        "channel": "web", "ticket_type": "report", "title": "占道经营",
        "description": "菜市场外占道经营严重。"})[1]["id"]
    act(world.client("dispatcher"), ticket_id, "dispatch", unit_id=world.department.pk)
    act(world.client("handler"), ticket_id, "return", note="属街道管辖。")
    disputed = act(world.client("dispatcher"), ticket_id, "dispute", note="清单写明由城管办理。")
    assert disputed["status"] == "disputed"
    assert call(world.client("handler"), "post", f"/api/tickets/{ticket_id}/actions/arbitrate",
                {"unit_id": world.department.pk})[1]["code"] == "permission_denied"
    decided = act(world.client("supervisor"), ticket_id, "arbitrate", unit_id=world.street_office.pk,
                  note="由街道牵头，城管配合。", co_unit_ids=[world.department.pk])
    assert decided["unit"]["id"] == world.street_office.pk
    assert [u["id"] for u in decided["co_units"]] == [world.department.pk]
    # The co-handler sees it too; the street handler can sign.
    assert call(world.client("handler"), "get", f"/api/tickets/{ticket_id}")[0] == 200
    assert act(world.client("street"), ticket_id, "sign")["status"] == "signed"


def test_inquiry_answered_directly(world: World) -> None:
    operator = world.client("operator")
    ticket_id = call(operator, "post", "/api/tickets", {
        "channel": "phone", "ticket_type": "inquiry", "title": "公积金提取",
        "description": "租房提取公积金需要什么材料？"})[1]["id"]
    closed = act(operator, ticket_id, "answer", reply="携带身份证和租房合同到公积金中心办理。")
    assert (closed["status"], closed["reply"]) == ("closed", "携带身份证和租房合同到公积金中心办理。")


def test_reopen_at_most_twice(world: World) -> None:
    operator, handler = world.client("operator"), world.client("handler")
    ticket_id = call(operator, "post", "/api/tickets", {
        "channel": "phone", "ticket_type": "complaint", "title": "噪音扰民", "description": "夜间施工噪音。"})[1]["id"]
    act(world.client("dispatcher"), ticket_id, "dispatch", unit_id=world.department.pk)
    for round_number in range(3):
        act(handler, ticket_id, "sign")
        act(handler, ticket_id, "contact")
        act(handler, ticket_id, "complete", reply=f"第{round_number + 1}次处理。")
        act(operator, ticket_id, "callback", resolved=False, satisfaction="unsatisfied")
        if round_number < 2:
            act(operator, ticket_id, "reopen", note="不满意")
    status, result = call(operator, "post", f"/api/tickets/{ticket_id}/actions/reopen", {"note": "仍不满意"})
    assert (status, result["code"]) == (409, "reopen_limit")
    assert Ticket.objects.get(pk=ticket_id).reopen_count == 2
