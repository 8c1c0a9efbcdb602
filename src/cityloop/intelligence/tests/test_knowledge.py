import datetime as dt

import pytest

from cityloop.conftest import World
from cityloop.core.clock import frozen_at
from cityloop.intelligence.knowledge import knowledge_search, reset_knowledge_index
from cityloop.intelligence.models import KnowledgeArticle
from cityloop.intelligence.services import ticket_answer_from_article
from cityloop.tickets.models import TicketEvent
from cityloop.tickets.tests.flows import new_ticket


@pytest.fixture
def articles(world: World) -> dict[str, KnowledgeArticle]:
    reset_knowledge_index()
    return {
        "fund": KnowledgeArticle.objects.create(
            title="住房公积金提取（租房）", question="租房怎么提取公积金\n公积金能用来交房租吗",
            answer="租房提取住房公积金，携带身份证、租房合同和完税证明到公积金中心办理，每年可提取一次。"),
        "card": KnowledgeArticle.objects.create(
            title="社保卡丢失补办", question="社保卡丢了怎么办\n补办社会保障卡",
            answer="社保卡丢失请先电话挂失，再持身份证到任一社保服务网点补办，工本费20元。"),
        "old": KnowledgeArticle.objects.create(
            title="2020年消费券领取", answer="活动已结束。", valid_to=dt.date(2020, 12, 31)),
    }


def test_search_finds_the_article_by_meaning(articles: dict[str, KnowledgeArticle]) -> None:
    assert knowledge_search("我的社保卡不见了，要去哪里补？")[0].article_id == articles["card"].pk
    assert knowledge_search("在外面租房子，公积金可以取出来吗")[0].article_id == articles["fund"].pk


def test_expired_articles_are_not_offered(articles: dict[str, KnowledgeArticle]) -> None:
    assert all(hit.article_id != articles["old"].pk for hit in knowledge_search("2020年消费券怎么领取"))
    with frozen_at(dt.datetime(2020, 6, 1, tzinfo=dt.UTC)):
        reset_knowledge_index()
        assert knowledge_search("2020年消费券怎么领取")[0].article_id == articles["old"].pk
    reset_knowledge_index()


def test_nothing_for_empty_text(articles: dict[str, KnowledgeArticle]) -> None:
    assert knowledge_search("   ") == []


def test_answering_from_an_article_closes_the_inquiry(world: World, articles: dict[str, KnowledgeArticle]) -> None:
    ticket = new_ticket(world, ticket_type="inquiry", title="租房提取公积金", description="需要什么材料？")
    closed = ticket_answer_from_article(ticket_id=ticket.pk, article_id=articles["fund"].pk,
                                        actor=world.users["operator"])
    assert closed.status == "closed"
    assert closed.reply.startswith("租房提取住房公积金")
    event = TicketEvent.objects.get(ticket=ticket, action="answer")
    assert event.data == {"article": articles["fund"].pk}
