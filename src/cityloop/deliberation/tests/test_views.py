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
    # a citizen cannot organise: the organisers' actions do not exist for them
    assert client.post(f"/deliberation/{t.pk}/do/resolution/", {"resolution-text": "x", "resolution-responsible": "y",
                                                               "resolution-deadline": "2030-01-01"}).status_code == 404
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
    assert "已投票" in response.content.decode()  # "%(owner)s has already voted", in Chinese
    assert list(Ballot.objects.values_list("choice", flat=True)) == ["for"]


def test_task_outside_the_list_is_refused_on_the_page(world: World) -> None:
    from cityloop.deliberation.models import AssistedMatter, CommunityTask

    AssistedMatter.objects.create(code="M01", name="城乡居民医保参保登记")
    client = Client()
    client.force_login(manager(world))
    url = f"/deliberation/services/{world.community.pk}/tasks/"
    client.post(url, {"matter_code": "M01", "title": "医保登记"})
    response = client.post(url, {"matter_code": "X9", "title": "拆除违建"}, follow=True)
    assert "X9" in response.content.decode()
    assert CommunityTask.objects.count() == 1
    page = client.get(f"/deliberation/services/?community={world.community.pk}").content.decode()
    assert "望江社区" in page


def test_opinion_groups_from_the_database(world: World) -> None:
    from django.contrib.auth import get_user_model

    from cityloop.deliberation.models import Statement, StatementVote
    from cityloop.deliberation.selectors import deliberation_analysis, deliberation_chart

    t = topic(world)
    texts = ["甲", "乙", "丙", "丁", "戊", "己", "共识一", "共识二"]
    statements = [s.statement_add(actor=manager(world), topic=t, text=f"意见{x}") for x in texts]
    users = get_user_model().objects.bulk_create(get_user_model()(username=f"p{i}") for i in range(20))
    votes = []
    for i, user in enumerate(users):
        side = 1 if i < 10 else -1
        for j, statement in enumerate(statements):
            value = 1 if j >= 6 else (side if j < 3 else -side)
            votes.append(StatementVote(statement=statement, participant=user, value=value))
    StatementVote.objects.bulk_create(votes)
    analysis, columns, _people = deliberation_analysis(t)
    assert analysis.k == 2
    assert {columns[j].text for j in analysis.consensus} == {"意见共识一", "意见共识二"}
    assert len(deliberation_chart(analysis)["series"]) == 2
    assert Statement.objects.count() == 8
