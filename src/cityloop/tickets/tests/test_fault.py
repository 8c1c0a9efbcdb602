"""An accepted ticket survives a killed server, and retries never duplicate: a burst of creations over HTTP,
the server killed with SIGKILL in the middle, restarted, the unanswered requests retried with their keys."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

BIN = Path(sys.executable).parent
SEED = """
from django.contrib.auth import get_user_model
from cityloop.organisation.choices import AreaKind, Role, UnitKind
from cityloop.organisation.models import Area, Membership, Unit
from cityloop.security.services import api_token_create
city = Area.objects.create(kind=AreaKind.CITY, code="C", name="临江市")
centre = Unit.objects.create(kind=UnitKind.CENTRE, code="U", name="12345", area=city)
user = get_user_model().objects.create_user("fault-operator")
Membership.objects.create(user=user, unit=centre, role=Role.OPERATOR, scope=city)
print(api_token_create(user=user, name="fault")[1])
"""
COUNT_SQL = "SELECT idempotency_key FROM tickets_ticket"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen([str(BIN / "gunicorn"), "cityloop.config.wsgi", "--bind", f"127.0.0.1:{port}",
                               "--workers", "2", "--log-level", "error"], env=env, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # until a worker answers, not merely until the port is open
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/accounts/login/")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


LAST_ANSWER: list[object] = []


def create(port: int, token: str, key: str) -> int | None:
    """POST one ticket; the id if the server answered with one, None if the connection died first."""
    LAST_ANSWER.clear()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", "/api/tickets", json.dumps({
            "channel": "phone", "ticket_type": "complaint", "title": "井盖缺失", "description": f"请求 {key}"}),
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": key})
        response = conn.getresponse()
        body = response.read()
        LAST_ANSWER.append((response.status, body[:300]))
        return int(json.loads(body)["id"]) if response.status in (200, 201) else None
    except (OSError, http.client.HTTPException, ValueError) as error:
        LAST_ANSWER.append(error)
        return None


def database_for(vendor: str, tmp_path: Path) -> tuple[str, Any]:
    if vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'fault.sqlite3'}", None
    import psycopg

    admin = os.environ.get("DATABASE_URL", "").replace("postgres://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS cityloop_fault")
        conn.execute("CREATE DATABASE cityloop_fault")
    return admin.rsplit("/", 1)[0] + "/cityloop_fault", admin


@pytest.mark.slow
def test_sigkill_mid_burst_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    vendor = connection.vendor  # the backend this run of the suite is about
    url, admin = database_for("sqlite" if vendor == "sqlite" else "postgresql", tmp_path)
    env = {**os.environ, "DATABASE_URL": url, "CITYLOOP_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "cityloop.config.settings.base"}
    subprocess.run([str(BIN / "cityloop"), "migrate", "-v0"], env=env, check=True)
    token = subprocess.run([str(BIN / "cityloop"), "shell", "-c", SEED], env=env, check=True,
                           capture_output=True, text=True).stdout.strip().splitlines()[-1]
    port = free_port()
    server = start_server(env, port)
    keys = [uuid.uuid4().hex for _ in range(300)]
    acknowledged: dict[str, int] = {}
    unanswered: list[str] = []

    def burst() -> None:
        for key in keys:
            ticket_id = create(port, token, key)
            if ticket_id is None:
                unanswered.append(key)
            else:
                acknowledged[key] = ticket_id

    client = threading.Thread(target=burst)
    client.start()
    while len(acknowledged) < 60:  # well into the burst
        time.sleep(0.01)
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()
    client.join()
    assert unanswered, "the kill came too late to interrupt anything"

    server = start_server(env, port)
    try:
        for key in unanswered:  # the client retries what it never heard back about
            ticket_id = create(port, token, key)
            assert ticket_id is not None, LAST_ANSWER
            acknowledged[key] = ticket_id
        for key in list(acknowledged)[:20]:  # and a few it did hear about, as a confused client would
            assert create(port, token, key) == acknowledged[key]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()

    stored = _stored_keys(url)
    assert len(stored) == len(set(stored)) == len(keys)  # every request once, none twice
    assert {k.split(":", 1)[1] for k in stored} == set(keys)
    if admin:
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS cityloop_fault")


def _stored_keys(url: str) -> list[str]:
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return [row[0] for row in conn.execute(COUNT_SQL)]
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
        return [row[0] for row in conn.execute(COUNT_SQL)]
