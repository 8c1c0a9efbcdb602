"""GeoReport v2 rules, one test each, through Django's test client (the live-server client tests are elsewhere)."""

import datetime as dt
import json
import re
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from cityloop.core import clock
from cityloop.open311.models import Open311Key, Open311Request
from cityloop.open311.services import open311_key_create, open311_key_revoke
from cityloop.tickets.choices import Channel, Status
from cityloop.tickets.models import Category, Ticket, TicketEvent
from cityloop.tickets.services import TicketInput, TransitionInput, ticket_create, ticket_transition

BASE = "/open311/v2"
FORM = "application/x-www-form-urlencoded"
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")


def post(client: Client, body: dict[str, Any] | list[tuple[str, str]], fmt: str = "json", **headers: Any) -> Any:
    return client.post(f"{BASE}/requests.{fmt}", urlencode(body, doseq=True), content_type=FORM, **headers)


def valid_body(api_key: str, **extra: Any) -> dict[str, Any]:
    return {"api_key": api_key, "service_code": "0101", "lat": "30.605", "long": "114.305",
            "description": "望江路垃圾桶满溢，无人清运", **extra}


def xml(response: Any) -> ET.Element:
    return ET.fromstring(response.content)  # noqa: S314 - our own output


def spec_error(response: Any, status: int, fmt: str = "json") -> str:
    assert response.status_code == status
    if fmt == "json":
        body = response.json()
        assert len(body) >= 1
        assert set(body[0]) == {"code", "description"}
        assert body[0]["code"] == status
        return str(body[0]["description"])
    root = xml(response)
    assert root.tag == "errors"
    error = root.find("error")
    assert error is not None
    assert error.findtext("code") == str(status)
    return error.findtext("description") or ""


def make_ticket(world: Any, **kwargs: Any) -> Ticket:
    data = TicketInput(channel=Channel.PHONE, ticket_type=kwargs.pop("ticket_type", "complaint"),
                       title="路灯不亮", description="滨江路路灯不亮，联系电话13912345678",
                       category_id=world.category.pk,
                       citizen_name="王小明", citizen_phone="13912345678", citizen_email="wxm@example.org",
                       address="滨江路1号", latitude=30.605, longitude=114.305, **kwargs)
    return ticket_create(actor=world.users["operator"], data=data)[0]


# ---------------------------------------------------------------------------------------------- services
def test_service_list_json_has_second_level_categories(world: Any, client: Client) -> None:
    Category.objects.create(code="0102", name="停用分类", level=2, parent=world.category.parent, active=False)
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == [{"service_code": "0101", "service_name": "市容环卫",
                                "description": "城乡建设 / 市容环卫", "metadata": False, "type": "realtime",
                                "keywords": "市容环卫", "group": "城乡建设"}]


def test_service_list_xml_and_metadata(world: Any, client: Client, attributes: Any) -> None:
    response = client.get(f"{BASE}/services.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = xml(response)
    assert root.tag == "services"
    services = root.findall("service")
    assert [s.findtext("service_code") for s in services] == ["0101"]
    assert services[0].findtext("metadata") == "true"
    assert services[0].findtext("group") == "城乡建设"


def test_service_definition_has_typed_attributes(world: Any, client: Client, attributes: Any) -> None:
    body = client.get(f"{BASE}/services/0101.json").json()
    assert body["service_code"] == "0101"
    assert [(a["code"], a["datatype"], a["order"]) for a in body["attributes"]] == [
        ("where", "string", 1), ("count", "number", 2), ("seen_at", "datetime", 3), ("details", "text", 4),
        ("kind", "singlevaluelist", 5), ("smells", "multivaluelist", 6)]
    kind = body["attributes"][4]
    assert kind == {"variable": True, "code": "kind", "datatype": "singlevaluelist", "required": False,
                    "datatype_description": "", "order": 5, "description": "垃圾种类",
                    "values": [{"key": "household", "name": "生活垃圾"}, {"key": "building", "name": "建筑垃圾"}]}
    root = xml(client.get(f"{BASE}/services/0101.xml"))
    assert root.tag == "service_definition"
    first = root.find("attributes/attribute")
    assert first is not None
    assert first.findtext("required") == "true"
    assert [v.findtext("name") for v in root.findall("attributes/attribute/values/value")] == [
        "生活垃圾", "建筑垃圾", "酸", "腐"]


def test_unknown_service_is_404(world: Any, client: Client, api_key: str) -> None:
    for fmt in ("json", "xml"):
        assert "9999" in spec_error(client.get(f"{BASE}/services/9999.{fmt}"), 404, fmt)
        spec_error(post(client, valid_body(api_key, service_code="9999"), fmt), 404, fmt)
        spec_error(post(client, valid_body(api_key, service_code="01"), fmt), 404, fmt)  # a group: no service
    assert Ticket.objects.count() == 0


# ---------------------------------------------------------------------------------------------- POST and keys
def test_missing_bad_or_revoked_key_is_403(world: Any, client: Client, api_key: str) -> None:
    body = valid_body(api_key)
    del body["api_key"]
    open311_key_revoke(prefix=api_key[:12])
    for fmt in ("json", "xml"):
        spec_error(post(client, body, fmt), 403, fmt)
        spec_error(post(client, {**body, "api_key": ""}, fmt), 403, fmt)
        spec_error(post(client, {**body, "api_key": "o311_not-a-key"}, fmt), 403, fmt)
        revoked = post(client, {**body, "api_key": api_key}, fmt, HTTP_ACCEPT_LANGUAGE="en")
        assert "revoked" in spec_error(revoked, 403, fmt)
    assert Ticket.objects.count() == 0


def test_post_creates_an_anonymous_open311_ticket(world: Any, client: Client, api_key: str) -> None:
    response = post(client, valid_body(api_key, first_name="三", last_name="张", phone="13800001111",
                                       email="zs@example.org", account_id="acc-1", device_id="dev-1",
                                       media_url="https://img.example.org/1.jpg", jurisdiction_id="linjiang.gov.cn"))
    assert response.status_code == 201
    [answer] = response.json()
    ticket = Ticket.objects.get()
    assert answer["service_request_id"] == ticket.number
    assert "token" not in answer
    assert answer["account_id"] == "acc-1"
    assert answer["service_notice"]
    assert (ticket.channel, ticket.status, ticket.created_by, ticket.citizen) == ("open311", "received", None, None)
    assert (ticket.citizen_name, ticket.citizen_phone, ticket.citizen_email) == ("张三", "13800001111",
                                                                                 "zs@example.org")
    assert ticket.category == world.category
    assert ticket.area == world.grid  # located from lat/long
    assert ticket.title == "望江路垃圾桶满溢，无人清运"
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.action, event.actor) == ("receive", None)
    extra = Open311Request.objects.get(ticket=ticket)
    assert (extra.media_url, extra.device_id, extra.jurisdiction_id) == (
        "https://img.example.org/1.jpg", "dev-1", "linjiang.gov.cn")


def test_post_xml_answer(world: Any, client: Client, api_key: str) -> None:
    root = xml(post(client, valid_body(api_key), "xml"))
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request is not None
    assert [child.tag for child in request] == ["service_request_id", "service_notice", "account_id"]
    assert request.findtext("service_request_id") == Ticket.objects.get().number


def test_retried_post_never_duplicates(world: Any, client: Client, api_key: str) -> None:
    first = post(client, valid_body(api_key, device_id="dev-1"))
    again = post(client, valid_body(api_key, device_id="dev-1"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    other_device = post(client, valid_body(api_key, device_id="dev-2"))
    assert other_device.status_code == 201
    # a client-sent Idempotency-Key wins over the body: the retry may differ (e.g. a corrected typo)
    keyed = post(client, valid_body(api_key, description="第一次"), HTTP_IDEMPOTENCY_KEY="k-1")
    keyed_again = post(client, valid_body(api_key, description="第一次。"), HTTP_IDEMPOTENCY_KEY="k-1")
    assert keyed.json()[0]["service_request_id"] == keyed_again.json()[0]["service_request_id"]
    assert Ticket.objects.count() == 3
    assert Open311Request.objects.count() == 3


def test_keys_are_scoped_per_client(world: Any, client: Client, api_key: str) -> None:
    other_key = open311_key_create(name="other app")[1]
    post(client, valid_body(api_key), HTTP_IDEMPOTENCY_KEY="same")
    post(client, valid_body(other_key), HTTP_IDEMPOTENCY_KEY="same")
    assert Ticket.objects.count() == 2


INVALID_POSTS = [
    ({"service_code": ""}, "service_code"),
    ({"lat": "", "long": ""}, "location"),
    ({"long": ""}, "lat"),
    ({"lat": "91"}, "lat"),
    ({"long": "abc"}, "long"),
    ({"description": "长" * 4001}, "4000"),
    ({"email": "not-an-email"}, "email"),
    ({"media_url": "ftp://x.example.org/a.jpg"}, "media_url"),
]


def test_invalid_posts_are_400(world: Any, client: Client, api_key: str) -> None:
    for extra, message in INVALID_POSTS:
        description = spec_error(post(client, valid_body(api_key, **extra), HTTP_ACCEPT_LANGUAGE="en"), 400)
        assert message in description, (extra, description)
    assert Ticket.objects.count() == 0


def test_address_string_or_address_id_is_enough(world: Any, client: Client, api_key: str) -> None:
    assert post(client, valid_body(api_key, lat="", long="", address_string="望江路8号")).status_code == 201
    assert post(client, valid_body(api_key, lat="", long="", address_id="A-17")).status_code == 201
    tickets = Ticket.objects.order_by("pk")
    assert [t.area for t in tickets] == [world.city, world.city]  # no point: the city itself
    assert tickets[0].address == "望江路8号"


def test_post_must_be_form_encoded(world: Any, client: Client, api_key: str) -> None:
    response = client.post(f"{BASE}/requests.json", json.dumps(valid_body(api_key)), content_type="application/json")
    spec_error(response, 400)


def test_html_is_stripped_from_description(world: Any, client: Client, api_key: str) -> None:
    post(client, valid_body(api_key, description="<b>井盖</b>缺失<script>x</script>"))
    assert Ticket.objects.get().description == "井盖缺失x"


def test_attributes_are_checked_and_kept(world: Any, client: Client, api_key: str, attributes: Any) -> None:
    body = valid_body(api_key)
    spec_error(post(client, body), 400)  # attribute[where] is required
    bad = [({"attribute[count]": "many"}, "count"), ({"attribute[kind]": "toxic"}, "kind"),
           ({"attribute[seen_at]": "yesterday"}, "seen_at"), ({"attribute[smells][]": ["sour", "sweet"]}, "smells")]
    for extra, code in bad:
        assert code in spec_error(post(client, {**body, "attribute[where]": "东门", **extra}), 400)
    response = post(client, {**body, "attribute[where]": "东门", "attribute[count]": "3", "attribute[kind]": "building",
                             "attribute[smells][]": ["sour", "rotten"], "attribute[seen_at]": "2026-11-28T08:00:00Z",
                             "attribute[unknown]": "ignored"})
    assert response.status_code == 201
    extra = Open311Request.objects.get()
    assert extra.attributes == {"where": "东门", "count": "3", "seen_at": "2026-11-28T08:00:00+00:00",
                                "kind": "building", "smells": ["sour", "rotten"]}
    assert "垃圾种类: 建筑垃圾" in extra.ticket.description
    assert "气味: 酸、腐" in extra.ticket.description


def test_daily_quota_is_429_in_spec_format(world: Any, client: Client) -> None:
    record, key = open311_key_create(name="small", daily_quota=2)
    assert post(client, valid_body(key, device_id="1")).status_code == 201
    assert post(client, valid_body(key, device_id="2")).status_code == 201
    spec_error(post(client, valid_body(key, device_id="3")), 429)
    assert Ticket.objects.count() == 2
    with clock.frozen_at(clock.now() + dt.timedelta(days=1)):
        assert post(client, valid_body(key, device_id="3")).status_code == 201
    record.refresh_from_db()
    assert record.used_today == 1


def test_tokens(world: Any, client: Client, api_key: str, settings: Any) -> None:
    settings.OPEN311_DEFERRED_RESPONSES = True
    [answer] = post(client, valid_body(api_key)).json()
    assert set(answer) == {"token", "service_notice", "account_id"}
    resolved = client.get(f"{BASE}/tokens/{answer['token']}.json").json()
    assert resolved == [{"service_request_id": Ticket.objects.get().number, "token": answer["token"]}]
    root = xml(client.get(f"{BASE}/tokens/{answer['token']}.xml"))
    assert root.findtext("request/token") == answer["token"]
    spec_error(client.get(f"{BASE}/tokens/nope.json"), 404)


def test_jurisdiction(world: Any, client: Client, api_key: str, settings: Any) -> None:
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "anything.gov.cn"}).status_code == 200
    settings.OPEN311_JURISDICTION_ID = "linjiang.gov.cn"
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "linjiang.gov.cn"}).status_code == 200
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": ""}).status_code == 200
    spec_error(client.get(f"{BASE}/services.json", {"jurisdiction_id": "other.gov"}), 404)
    spec_error(post(client, valid_body(api_key, jurisdiction_id="other.gov")), 404)


# ---------------------------------------------------------------------------------------------- GET requests
def test_request_fields_status_mapping_and_no_personal_data(world: Any, client: Client) -> None:
    answered = make_ticket(world)
    ticket_transition(ticket_id=answered.pk, action="answer", actor=world.users["operator"],
                      params=TransitionInput(reply="已答复：请拨打城管热线"))
    dispatched = make_ticket(world)
    ticket_transition(ticket_id=dispatched.pk, action="dispatch", actor=world.users["dispatcher"],
                      params=TransitionInput(unit_id=world.department.pk))
    invalid = make_ticket(world)
    ticket_transition(ticket_id=invalid.pk, action="invalidate", actor=world.users["operator"],
                      params=TransitionInput(note="测试电话"))
    merged = make_ticket(world)
    ticket_transition(ticket_id=merged.pk, action="merge", actor=world.users["operator"],
                      params=TransitionInput(merged_into_id=dispatched.pk, note="重复"))
    response = client.get(f"{BASE}/requests.json")
    body = {r["service_request_id"]: r for r in response.json()}
    assert {n: r["status"] for n, r in body.items()} == {
        answered.number: "closed", dispatched.number: "open", invalid.number: "closed", merged.number: "closed"}
    assert body[answered.number]["status_notes"] == "已答复：请拨打城管热线"
    assert dispatched.number in body[merged.number]["status_notes"]
    row = body[dispatched.number]
    dispatched.refresh_from_db()
    assert row["agency_responsible"] == "城管局"
    assert row["expected_datetime"] is not None
    assert dt.datetime.fromisoformat(row["expected_datetime"]) == dispatched.complete_due.replace(microsecond=0)
    assert (row["service_code"], row["service_name"], row["address"]) == ("0101", "市容环卫", "滨江路1号")
    assert (row["lat"], row["long"]) == (30.605, 114.305)
    assert list(row) == ["service_request_id", "status", "status_notes", "service_name", "service_code",
                         "description", "agency_responsible", "service_notice", "requested_datetime",
                         "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
                         "long", "media_url"]
    for raw in (response.content, client.get(f"{BASE}/requests.xml").content,
                client.get(f"{BASE}/requests/{answered.number}.xml").content):
        text = raw.decode("utf-8")
        for personal in ("王小明", "13912345678", "wxm@example.org"):
            assert personal not in text
    assert "139****5678" in row["description"]


def test_all_datetimes_carry_a_time_zone(world: Any, client: Client) -> None:
    ticket = make_ticket(world)
    ticket_transition(ticket_id=ticket.pk, action="dispatch", actor=world.users["dispatcher"],
                      params=TransitionInput(unit_id=world.department.pk))
    [row] = client.get(f"{BASE}/requests.json").json()
    stamps = [row[k] for k in ("requested_datetime", "updated_datetime", "expected_datetime")]
    assert all(W3C.match(s) for s in stamps), stamps
    root = xml(client.get(f"{BASE}/requests/{ticket.number}.xml"))
    stamps = [root.findtext(f"request/{k}") for k in ("requested_datetime", "updated_datetime", "expected_datetime")]
    assert all(s and W3C.match(s) for s in stamps), stamps


def test_utf8_chinese_round_trips(world: Any, client: Client, api_key: str) -> None:
    text = "汉字测试：𠀀生僻字、全角，标点。😀"
    number = post(client, valid_body(api_key, description=text, address_string="临江市望江路")).json()[0][
        "service_request_id"]
    [row] = client.get(f"{BASE}/requests/{number}.json").json()
    assert (row["description"], row["address"]) == (text, "临江市望江路")
    response = client.get(f"{BASE}/requests/{number}.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert xml(response).findtext("request/description") == text
    assert text.encode("utf-8") in response.content


def test_empty_optional_parameters_behave_as_absent(world: Any, client: Client, api_key: str) -> None:
    make_ticket(world)
    absent = client.get(f"{BASE}/requests.json").json()
    empty = client.get(f"{BASE}/requests.json", dict.fromkeys((
        "service_request_id", "service_code", "start_date", "end_date", "status", "updated_after",
        "updated_before", "page", "page_size", "jurisdiction_id"), "")).json()
    assert absent == empty
    assert len(absent) == 1
    empties = dict.fromkeys(("address_string", "address_id", "email", "device_id", "account_id", "first_name",
                             "last_name", "phone", "media_url", "jurisdiction_id"), "")
    assert post(client, valid_body(api_key, **empties)).status_code == 201
    assert client.get(f"{BASE}/services/0101.json", {"jurisdiction_id": ""}).status_code == 200


def test_date_window(world: Any, client: Client) -> None:
    old = make_ticket(world)
    Ticket.objects.filter(pk=old.pk).update(created_at=clock.now() - dt.timedelta(days=100))
    recent = make_ticket(world)
    numbers = [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()]
    assert numbers == [recent.number]  # default: the last 90 days
    start = (clock.now() - dt.timedelta(days=120)).isoformat()
    end = (clock.now() - dt.timedelta(days=50)).isoformat()
    numbers = [r["service_request_id"] for r in client.get(f"{BASE}/requests.json",
                                                           {"start_date": start, "end_date": end}).json()]
    assert numbers == [old.number]
    # an id list overrides the window
    both = client.get(f"{BASE}/requests.json", {"service_request_id": f"{old.number},{recent.number}"}).json()
    assert {r["service_request_id"] for r in both} == {old.number, recent.number}


def test_span_over_90_days_is_400(world: Any, client: Client) -> None:
    for fmt in ("json", "xml"):
        params = {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-04-02T00:00:00+08:00"}
        too_long = client.get(f"{BASE}/requests.{fmt}", params, HTTP_ACCEPT_LANGUAGE="en")
        assert "90" in spec_error(too_long, 400, fmt)
        params["end_date"] = "2026-03-31T00:00:00+08:00"
        assert client.get(f"{BASE}/requests.{fmt}", params).status_code == 200
        backwards = {"start_date": "2026-02-01", "end_date": "2026-01-01"}
        spec_error(client.get(f"{BASE}/requests.{fmt}", backwards), 400, fmt)
        spec_error(client.get(f"{BASE}/requests.{fmt}", {"start_date": "last week"}), 400, fmt)


def test_unencoded_plus_in_offset_is_understood(world: Any, client: Client) -> None:
    make_ticket(world)
    start = (clock.now() - dt.timedelta(days=1)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    query = "start_date=" + start.replace(microsecond=0).isoformat()  # '+' left raw: arrives as a space
    assert len(client.get(f"{BASE}/requests.json?{query}").json()) == 1


def test_filters_status_service_code_updated_and_paging(world: Any, client: Client) -> None:
    tickets = [make_ticket(world) for _ in range(5)]
    ticket_transition(ticket_id=tickets[0].pk, action="answer", actor=world.users["operator"],
                      params=TransitionInput(reply="好"))
    get = lambda **p: [r["service_request_id"] for r in client.get(f"{BASE}/requests.json", p).json()]  # noqa: E731
    assert get(status="closed") == [tickets[0].number]
    assert len(get(status="open")) == 4
    assert len(get(status="open,closed")) == 5
    spec_error(client.get(f"{BASE}/requests.json", {"status": "pending"}), 400)
    assert len(get(service_code="0101")) == 5
    assert get(service_code="01") == get()  # a group covers its services
    assert get(service_code="0999") == []
    newest_first = get()
    assert get(page_size="2") == newest_first[:2]
    assert get(page_size="2", page="3") == newest_first[4:]
    spec_error(client.get(f"{BASE}/requests.json", {"page_size": "1001"}), 400)
    spec_error(client.get(f"{BASE}/requests.json", {"page": "0"}), 400)
    later = (clock.now() + dt.timedelta(minutes=1)).isoformat()
    assert get(updated_after=later) == []
    assert len(get(updated_before=later)) == 5


def test_single_request_and_404(world: Any, client: Client) -> None:
    ticket = make_ticket(world)
    [row] = client.get(f"{BASE}/requests/{ticket.number}.json").json()
    assert row["service_request_id"] == ticket.number
    spec_error(client.get(f"{BASE}/requests/20990101999999.json"), 404)
    spec_error(client.get(f"{BASE}/requests/20990101999999.xml"), 404, "xml")


def test_whistleblowing_reports_are_not_published(world: Any, client: Client) -> None:
    report = make_ticket(world, ticket_type="report")
    assert client.get(f"{BASE}/requests.json").json() == []
    spec_error(client.get(f"{BASE}/requests/{report.number}.json"), 404)


def test_key_command(world: Any, capsys: Any) -> None:
    from django.core.management import call_command

    call_command("open311", "key", "create", "--name", "路况App", "--quota", "5")
    key = capsys.readouterr().out.strip()
    record = Open311Key.objects.get()
    assert (record.name, record.daily_quota, record.prefix) == ("路况App", 5, key[:12])
    assert record.key_hash == Open311Key.hash_key(key)
    assert key not in str(record.__dict__)
    call_command("open311", "key", "list")
    assert record.prefix in capsys.readouterr().out
    call_command("open311", "key", "revoke", record.prefix)
    record.refresh_from_db()
    assert record.revoked_at is not None
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("open311", "key", "revoke", record.prefix)


def test_status_values_cover_every_platform_state() -> None:
    from cityloop.tickets.choices import OPEN_STATUSES

    assert set(Status) - OPEN_STATUSES == {Status.CLOSED, Status.MERGED, Status.INVALID}


def test_request_list_query_count_does_not_grow(world: Any, client: Client, api_key: str,
                                                django_assert_max_num_queries: Any) -> None:
    for i in range(3):
        post(client, valid_body(api_key, device_id=str(i)))
    for _ in range(3):
        make_ticket(world)
    with django_assert_max_num_queries(2):
        assert len(client.get(f"{BASE}/requests.json", {"service_code": "0101"}).json()) == 6
    with django_assert_max_num_queries(1):
        assert len(client.get(f"{BASE}/requests.xml").content) > 0


def test_multipart_post_is_accepted(world: Any, client: Client, api_key: str) -> None:
    response = client.post(f"{BASE}/requests.json", valid_body(api_key))  # the test client sends multipart
    assert response.status_code == 201
