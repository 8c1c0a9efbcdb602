import pytest
from django.core.exceptions import ValidationError

from cityloop.conftest import World, square
from cityloop.organisation.choices import AreaKind
from cityloop.organisation.geo import GridIndex, GridRef, locate_grid, reset_grid_index
from cityloop.organisation.models import Area


def test_paths_follow_the_tree(world: World) -> None:
    assert world.grid.path == f"{world.city.pk}/{world.district.pk}/{world.street.pk}/{world.community.pk}/" \
                              f"{world.grid.pk}/"
    subtree = Area.objects.filter(path__startswith=world.street.path)
    assert set(subtree) == {world.street, world.community, world.grid}


def test_moving_a_node_carries_its_subtree(world: World) -> None:
    other_street = world.other_grid.parent.parent
    world.community.parent = other_street
    world.community.save()
    world.grid.refresh_from_db()
    assert world.grid.path.startswith(other_street.path)
    assert world.grid.path.endswith(f"{world.community.pk}/{world.grid.pk}/")


def test_rebuild_paths_after_bulk_create(world: World) -> None:
    Area.objects.bulk_create([Area(kind=AreaKind.GRID, code="G9", name="新网格", parent=world.community)])
    Area.rebuild_paths()
    assert Area.objects.get(code="G9").path.startswith(world.community.path)


def test_levels_are_checked(world: World) -> None:
    with pytest.raises(ValidationError):
        Area(kind=AreaKind.GRID, code="X", name="x", parent=world.street).clean()
    with pytest.raises(ValidationError):
        Area(kind=AreaKind.DISTRICT, code="Y", name="y").clean()
    Area(kind=AreaKind.GRID, code="Z", name="z", parent=world.community).clean()


def test_point_resolves_to_its_grid(world: World) -> None:
    assert locate_grid(114.305, 30.605) == GridRef(world.grid.pk, world.grid.path)
    assert locate_grid(114.325, 30.605) == GridRef(world.other_grid.pk, world.other_grid.path)
    assert locate_grid(100.0, 20.0) is None


def test_index_sees_new_grids_after_reset(world: World) -> None:
    assert locate_grid(114.345, 30.605) is None
    Area.objects.create(kind=AreaKind.GRID, code="G3", name="三网格", parent=world.community,
                        boundary=square(114.34, 30.60))
    reset_grid_index()
    assert locate_grid(114.345, 30.605).id == Area.objects.get(code="G3").pk  # type: ignore[union-attr]
    assert len(GridIndex.build().grids) == 3
