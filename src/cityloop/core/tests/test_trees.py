import pytest

from cityloop.conftest import World
from cityloop.core.trees import subtree_q
from cityloop.organisation.models import Area


def test_subtree_is_exactly_the_prefix(world: World) -> None:
    for node in Area.objects.all():
        by_range = set(Area.objects.filter(subtree_q("path", node.path)).values_list("pk", flat=True))
        by_prefix = {a.pk for a in Area.objects.all() if a.path.startswith(node.path)}
        assert by_range == by_prefix


def test_sibling_with_a_longer_id_is_not_inside() -> None:
    q = subtree_q("path", "1/4/")
    assert q.children == [("path__gte", "1/4/"), ("path__lt", "1/40")]  # "1/40/" (node 40) lies outside
    with pytest.raises(ValueError, match="not a tree path"):
        subtree_q("path", "1/4")
