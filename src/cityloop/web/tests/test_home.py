from django.test import Client

from cityloop.conftest import World
from cityloop.tickets.tests.flows import new_ticket


def test_home_is_chinese_by_default_and_english_on_request(world: World) -> None:
    new_ticket(world)
    page = Client().get("/")
    assert page.status_code == 200
    assert 'lang="zh-hans"' in page.content.decode()
    english = Client(HTTP_ACCEPT_LANGUAGE="zh")
    english.cookies["django_language"] = "en"
    assert "City governance closed loop" in english.get("/").content.decode()
