"""The operator console: access, recording a call, bad input, double submits, history, map and suggestions."""

import uuid
from typing import Any

import pytest
from django.test import Client

from cityloop.conftest import World
from cityloop.intake.selectors import category_groups, intake_suggestions
from cityloop.tickets.models import Category, Ticket, TicketEvent
from cityloop.tickets.tests.flows import drive, new_ticket

# No place names in the text: the ticket's area comes from its point alone (the default sits in world.grid).
PLAIN = "门口垃圾三天没人清运，气味很大。"


def plain_ticket(world: World, **overrides: Any) -> Ticket:
    return new_ticket(world, **{"description": PLAIN, **overrides})

URL = "/intake/console/"


def signed_in(world: World, username: str) -> Client:
    """A browser session of the user, in English so that assertions on page text do not follow the catalogue."""
    client = Client()
    client.force_login(world.users[username])
    client.cookies["django_language"] = "en"
    return client


def call(world: World, **overrides: Any) -> dict[str, Any]:
    data = {"citizen_phone": "138 1234 5678", "citizen_name": "李女士", "citizen_email": "li@example.org",
            "ticket_type": "complaint", "urgency": "normal", "channel": "phone", "category": world.category.pk,
            "title": "路灯不亮", "description": "楼旁边的路灯坏了一周。", "address": "3号楼东侧",
            "latitude": "30.605", "longitude": "114.305", "idempotency_key": str(uuid.uuid4())}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize(("username", "status"), [("operator", 200), ("dispatcher", 200), ("admin", 200),
                                                  ("handler", 403), ("street", 403), ("supervisor", 403),
                                                  ("analyst", 403), ("citizen", 403)])
def test_who_may_use_the_console(world: World, username: str, status: int) -> None:
    client = signed_in(world, username)
    assert client.get(URL).status_code == status
    for url in ("/intake/console/history/?citizen_phone=13812345678", "/intake/console/grids.json",
                "/intake/console/grid-at.json?latitude=30.605&longitude=114.305"):
        assert client.get(url).status_code == status


def test_denied_people_record_nothing(world: World) -> None:
    for username in ("handler", "citizen"):
        assert signed_in(world, username).post(URL, call(world)).status_code == 403
    assert signed_in(world, "handler").post("/intake/console/suggestions/", {"title": "x"}).status_code == 403
    assert not Ticket.objects.exists()


def test_anonymous_is_sent_to_sign_in(world: World) -> None:
    for url in (URL, "/intake/console/history/", "/intake/console/grids.json"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert Client().post(URL, call(world)).status_code == 302
    assert not Ticket.objects.exists()


def test_console_form_is_labelled_and_keyboard_ready(world: World) -> None:
    page = signed_in(world, "operator").get(URL).content.decode()
    for name in ("citizen_phone", "citizen_name", "citizen_email", "channel", "category_search", "category",
                 "title", "description", "address", "is_complex"):
        assert f'for="id_{name}"' in page, name
    assert '<legend>Type <span aria-hidden="true">*</span></legend><div id="id_ticket_type">' in page
    assert '</legend><div id="id_urgency">' in page
    assert 'accesskey="s"' in page
    assert 'accesskey="n"' in page
    assert 'name="idempotency_key"' in page
    assert '<option value="phone" selected>' in page
    assert "vendor/htmx/htmx.min.js" in page
    assert "intake/console.js" in page


def test_category_picker_is_grouped_by_first_level(world: World) -> None:
    leaf = Category.objects.create(code="010101", name="垃圾清运", name_en="Refuse collection", level=3,
                                   parent=world.category)
    other = Category.objects.create(code="02", name="社会保障", level=1)
    Category.objects.create(code="0201", name="社保缴费", level=2, parent=other)
    groups = category_groups()
    assert [group.label for group in groups] == ["01 城乡建设", "02 社会保障"]
    assert [option.id for option in groups[0].options] == [world.category.parent_id, world.category.pk, leaf.pk]
    assert [o.id for g in category_groups("refuse") for o in g.options] == [leaf.pk]
    assert [o.id for g in category_groups("社会保障") for o in g.options] == [other.pk, other.children.get().pk]
    page = signed_in(world, "operator").get(URL).content.decode()
    assert '<optgroup label="01 城乡建设">' in page
    assert 'data-search="01 城乡建设' in page


def test_category_filter_works_without_scripts(world: World) -> None:
    Category.objects.create(code="0102", name="园林绿化", level=2, parent=world.category.parent)
    response = signed_in(world, "operator").post(URL, call(world, category_search="绿化", category="",
                                                           narrow="1"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "园林绿化" in page
    assert "市容环卫" not in page
    assert "路灯不亮" in page  # what was typed is kept
    assert not Ticket.objects.exists()


def test_recording_a_call_creates_the_ticket_through_the_service(world: World) -> None:
    client = signed_in(world, "operator")
    response = client.post(URL, call(world))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert response["Location"] == f"{URL}?created={ticket.pk}"
    assert (ticket.channel, ticket.ticket_type, ticket.category_id) == ("phone", "complaint", world.category.pk)
    assert ticket.citizen_phone == "13812345678"  # stored without spaces
    assert ticket.area_id == world.grid.pk
    assert ticket.created_by == world.users["operator"]
    assert ticket.citizen is None  # recorded by staff, not by the citizen's own account
    assert TicketEvent.objects.filter(ticket=ticket, action="receive").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert ticket.number in page
    assert f'href="/tickets/{ticket.pk}/"' in page
    assert world.grid.name in page
    assert f"/intake/{ticket.pk}/answer/" not in page  # a complaint is not answered at intake


def test_channel_is_selectable(world: World) -> None:
    signed_in(world, "operator").post(URL, call(world, channel="wechat"))
    assert Ticket.objects.get().channel == "wechat"


def test_double_submit_creates_one_ticket(world: World) -> None:
    client = signed_in(world, "operator")
    data = call(world)
    first = client.post(URL, data)
    second = client.post(URL, data)
    assert Ticket.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert client.post(URL, call(world)).status_code == 302  # a new form is a new call
    assert Ticket.objects.count() == 2


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": ""}, "title"),
    ({"description": ""}, "description"),
    ({"ticket_type": ""}, "ticket_type"),
    ({"ticket_type": "rumour"}, "ticket_type"),
    ({"urgency": "panic"}, "urgency"),
    ({"channel": "open311"}, "channel"),
    ({"citizen_phone": "打电话给我"}, "citizen_phone"),
    ({"citizen_email": "not-an-address"}, "citizen_email"),
    ({"category": "999999"}, "category"),
    ({"title": "长" * 201}, "title"),
    ({"longitude": None}, "latitude"),
    ({"latitude": "91", "longitude": "114.3"}, "latitude"),
    ({"latitude": "north"}, "latitude"),
])
def test_bad_input_is_explained_next_to_the_field_and_kept(world: World, overrides: dict[str, Any],
                                                           field: str) -> None:
    data = call(world, **overrides)
    response = signed_in(world, "operator").post(URL, data)
    assert response.status_code == 422
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert "楼旁边的路灯坏了一周。" in page or field == "description"
    assert "李女士" in page
    assert data["idempotency_key"] in page  # the retry after fixing keeps the key
    assert not Ticket.objects.exists()


def test_inactive_category_is_refused(world: World) -> None:
    Category.objects.filter(pk=world.category.pk).update(active=False)
    response = signed_in(world, "operator").post(URL, call(world))
    assert response.status_code == 422
    assert 'id="id_category_error"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_inquiry_can_be_answered_directly(world: World) -> None:
    client = signed_in(world, "operator")
    client.post(URL, call(world, ticket_type="inquiry", title="公积金怎么提取"))
    ticket = Ticket.objects.get()
    page = client.get(f"{URL}?created={ticket.pk}").content.decode()
    assert f'action="/intake/{ticket.pk}/answer/"' in page
    empty = client.post(f"/intake/{ticket.pk}/answer/", {"reply": "", "version": ticket.version})
    assert empty.status_code == 422
    assert 'id="id_reply_error"' in empty.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == "received"
    done = client.post(f"/intake/{ticket.pk}/answer/", {"reply": "携带身份证到公积金中心办理。",
                                                        "version": ticket.version})
    assert done.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reply) == ("closed", "携带身份证到公积金中心办理。")
    assert TicketEvent.objects.filter(ticket=ticket, action="answer").count() == 1
    again = client.post(f"/intake/{ticket.pk}/answer/", {"reply": "再答一次", "version": ticket.version})
    assert again.status_code == 422
    assert TicketEvent.objects.filter(ticket=ticket, action="answer").count() == 1


def test_dispatcher_cannot_answer(world: World) -> None:
    ticket = plain_ticket(world, ticket_type="inquiry")
    client = signed_in(world, "dispatcher")
    assert f"/intake/{ticket.pk}/answer/" not in client.get(f"{URL}?created={ticket.pk}").content.decode()
    assert client.post(f"/intake/{ticket.pk}/answer/", {"reply": "答复"}).status_code == 422
    assert Ticket.objects.get(pk=ticket.pk).status == "received"


def test_callers_earlier_tickets(world: World, django_assert_max_num_queries: Any) -> None:
    earlier = drive(world, plain_ticket(world, title="上次的投诉"), "dispatched")
    plain_ticket(world, title="别人的投诉", citizen_phone="13900000000")
    client = signed_in(world, "operator")
    with django_assert_max_num_queries(6):
        panel = client.get("/intake/console/history/", {"citizen_phone": "138-1234-5678"}).content.decode()
    assert earlier.number in panel
    assert "上次的投诉" in panel
    assert "Dispatched" in panel
    assert "别人的投诉" not in panel
    assert "13700000000" in client.get("/intake/console/history/", {"citizen_phone": "13700000000"}).content.decode()


def test_earlier_tickets_are_limited_to_what_the_operator_may_see(world: World) -> None:
    from cityloop.organisation.models import Membership

    Membership.objects.filter(user=world.users["operator"]).update(scope=world.street)
    inside = plain_ticket(world, title="本街道的")
    outside = plain_ticket(world, title="外街道的", latitude=30.605, longitude=114.325)
    panel = signed_in(world, "operator").get("/intake/console/history/",
                                            {"citizen_phone": "13812345678"}).content.decode()
    assert inside.number in panel
    assert outside.number not in panel


def test_history_is_shown_again_after_bad_input(world: World) -> None:
    earlier = plain_ticket(world)
    page = signed_in(world, "operator").post(URL, call(world, title="")).content.decode()
    assert earlier.number in page


def test_grid_layer_and_grid_lookup(world: World) -> None:
    client = signed_in(world, "operator")
    layer = client.get("/intake/console/grids.json").json()
    assert layer["type"] == "FeatureCollection"
    assert {f["properties"]["name"] for f in layer["features"]} == {world.grid.name, world.other_grid.name}
    inside = client.get("/intake/console/grid-at.json", {"latitude": "30.605", "longitude": "114.305"}).json()
    assert inside["grid"]["id"] == world.grid.pk
    assert inside["grid"]["name"] == world.grid.name
    assert inside["grid"]["trail"] == [world.district.name, world.street.name, world.community.name]
    outside = client.get("/intake/console/grid-at.json", {"latitude": "31.5", "longitude": "115.0"}).json()
    assert outside == {"grid": None}
    assert client.get("/intake/console/grid-at.json", {"latitude": "x", "longitude": "1"}).status_code == 400


def test_suggestions_panel_has_a_stable_empty_state(world: World) -> None:
    assert intake_suggestions("路灯不亮", 30.605, 114.305) == {"categories": [], "units": [], "duplicates": [],
                                                               "answers": []}
    client = signed_in(world, "operator")
    assert 'id="suggestions"' in client.get(URL).content.decode()
    panel = client.post("/intake/console/suggestions/", {"title": "路灯", "description": "不亮"}).content.decode()
    assert "No suggestions yet." in panel


def test_suggested_duplicates_are_gated(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from cityloop.intake import selectors
    from cityloop.organisation.models import Membership

    inside = plain_ticket(world, title="本街道的")
    outside = plain_ticket(world, title="外街道的", latitude=30.605, longitude=114.325)
    monkeypatch.setattr(selectors, "intake_suggestions", lambda text, latitude, longitude: {
        "categories": [], "units": [], "answers": [],
        "duplicates": [{"id": t.pk, "number": t.number, "title": t.title, "score": 0.9} for t in (inside, outside)]})
    Membership.objects.filter(user=world.users["operator"]).update(scope=world.street)
    panel = signed_in(world, "operator").post("/intake/console/suggestions/", {"title": "垃圾"}).content.decode()
    assert inside.number in panel
    assert outside.number not in panel


def test_console_query_count_is_bounded(world: World, django_assert_max_num_queries: Any) -> None:
    for index in range(20):
        Category.objects.create(code=f"01{index + 10:02d}", name=f"分类{index}", level=2,
                                parent=world.category.parent)
    ticket = plain_ticket(world, ticket_type="inquiry")
    client = signed_in(world, "operator")
    with django_assert_max_num_queries(10):
        assert client.get(f"{URL}?created={ticket.pk}").status_code == 200
