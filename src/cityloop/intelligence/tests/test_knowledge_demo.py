from cityloop.conftest import World
from cityloop.demo.knowledge import ARTICLES, knowledge_load_demo
from cityloop.intelligence.knowledge import knowledge_search, reset_knowledge_index
from cityloop.intelligence.models import KnowledgeArticle


def test_demo_knowledge_loads_idempotently_and_is_found(world: World) -> None:
    assert len(ARTICLES) >= 60
    assert knowledge_load_demo() == (len(ARTICLES), 0)
    assert knowledge_load_demo() == (0, 0)
    KnowledgeArticle.objects.filter(title="停水信息查询").update(answer="旧答复")
    assert knowledge_load_demo() == (0, 1)
    reset_knowledge_index()
    assert "停水信息查询" in [h.title for h in knowledge_search("小区停水了什么时候恢复", limit=3)]
