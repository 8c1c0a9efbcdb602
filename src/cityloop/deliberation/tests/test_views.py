"""The pages render, and refusals come back as messages that change nothing."""

import pytest
from django.test import Client

from cityloop.conftest import World
from cityloop.deliberation import services as s
from cityloop.deliberation.choices import Matter
from cityloop.deliberation.models import Ballot, StatementVote
from cityloop.deliberation.tests.helpers import building, later, manager, owner, topic

pytestmark = pytest.mark.django_db


def test_pages_and_csv(world: World) -> None:
    t = topic(world)
    statement = s.statement_add(actor=manager(world), topic=t, text="保留绿地")
    client = Client()
    client.force_login(world.users["citizen"])
    assert client.get("/deliberation/").status_code == 200
    assert client.get(f"/deliberation/{t.pk}/").status_code == 200
    client.post(f"/deliberation/statements/{statement.pk}/agree/")
    assert StatementVote.objects.get().value == 1
    page = client.get(f"/deliberation/{t.pk}/statements/")
    assert "保留绿地" in page.content.decode()
    csv_text = client.get(f"/deliberation/{t.pk}/statements.csv").content.decode()
    assert csv_text.splitlines()[1].startswith(f"{statement.pk},保留绿地,1,0,0")
    assert client.get("/deliberation/services/").status_code == 200
    # a citizen cannot organise
    assert client.post(f"/deliberation/{t.pk}/do/resolution/", {"resolution-text": "x", "resolution-responsible": "y",
                                                               "resolution-deadline": "2030-01-01"}).status_code == 302
    assert not t.resolutions.exists()


def test_second_ballot_is_refused_with_a_message(world: World) -> None:
    b = building(world)
    vote = s.vote_open(actor=manager(world), topic=topic(world), building=b, question="q", matter=Matter.ORDINARY,
                       closes_at=later())
    client = Client()
    client.force_login(manager(world))
    a = owner(b, "A")
    client.post(f"/deliberation/votes/{vote.pk}/ballot/", {"ballot-owner": a.pk, "ballot-choice": "for"})
    response = client.post(f"/deliberation/votes/{vote.pk}/ballot/", {"ballot-owner": a.pk, "ballot-choice": "against"},
                           follow=True)
    assert "已经投票" in response.content.decode() or "already voted" in response.content.decode()
    assert list(Ballot.objects.values_list("choice", flat=True)) == ["for"]
