"""The pages in a real browser: Chinese by default, offline, keyboard-usable sign-in."""

import pytest

from cityloop.conftest import BrowserPage, World

pytestmark = pytest.mark.django_db(transaction=True)


def test_front_page_and_sign_in(world: World, browser_page: BrowserPage) -> None:
    browser_page.go("/")
    assert browser_page.page.locator("html").get_attribute("lang") == "zh-hans"
    browser_page.shot("front-page")
    browser_page.sign_in("analyst")
    assert "/accounts/login/" not in browser_page.page.url
    browser_page.shot("analyst-home")
