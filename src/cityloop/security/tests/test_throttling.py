from django.test import Client, override_settings

from cityloop.conftest import World


@override_settings(AXES_ENABLED=True)
def test_sign_in_is_locked_after_five_failures(world: World) -> None:
    client = Client(REMOTE_ADDR="10.1.2.3")
    for _ in range(4):
        response = client.post("/accounts/login/", {"username": "handler", "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    assert client.post("/accounts/login/", {"username": "handler", "password": "wrong"}).status_code == 429
    locked = client.post("/accounts/login/", {"username": "handler", "password": "pw"})
    assert locked.status_code == 429  # even the right password waits out the cool-off
    assert "15 分钟" in locked.content.decode() or "15 minutes" in locked.content.decode()
    other_account = client.post("/accounts/login/", {"username": "operator", "password": "pw"})
    assert other_account.status_code == 302  # only that account from that address is locked
