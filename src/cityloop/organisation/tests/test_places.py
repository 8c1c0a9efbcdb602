import pytest

from cityloop.conftest import World
from cityloop.organisation.choices import AreaKind
from cityloop.organisation.models import Address, Area
from cityloop.organisation.places import reset_place_index, resolve_place
from cityloop.tickets.tests.flows import new_ticket


@pytest.fixture
def book(world: World) -> World:
    Address.objects.create(text="滨江路88号望江花园", area=world.grid)
    Area.objects.create(kind=AreaKind.BUILDING, code="B1", name="望江花园3栋", parent=world.grid)
    reset_place_index()
    return world


def test_address_book_first(book: World) -> None:
    place = resolve_place(texts=["滨江路 88号望江花园"], latitude=None, longitude=None)
    assert place is not None
    assert (place.area_id, place.method, place.confidence) == (book.grid.pk, "address", 0.95)


def test_place_name_in_free_text(book: World) -> None:
    place = resolve_place(texts=["", "望江社区门口的垃圾桶满了没人清理"], latitude=None, longitude=None)
    assert place is not None
    assert (place.area_id, place.method, place.matched) == (book.community.pk, "name", "望江社区")
    building = resolve_place(texts=["望江花园3栋楼道灯坏了"], latitude=None, longitude=None)
    assert building is not None
    assert building.area_id == Area.objects.get(code="B1").pk  # the longer, more specific name wins


def test_point_refines_a_consistent_name(book: World) -> None:
    place = resolve_place(texts=["望江社区"], latitude=30.605, longitude=114.305)
    assert place is not None
    assert (place.area_id, place.method, place.confidence) == (book.grid.pk, "name+point", 0.98)


def test_text_wins_over_an_inconsistent_point(book: World) -> None:
    # The pin was dropped in the other grid, but the caller named 望江社区.
    place = resolve_place(texts=["望江社区"], latitude=30.605, longitude=114.325)
    assert place is not None
    assert (place.area_id, place.method) == (book.community.pk, "name")


def test_point_alone_and_nothing(book: World) -> None:
    place = resolve_place(texts=["路灯不亮"], latitude=30.605, longitude=114.325)
    assert place is not None
    assert (place.area_id, place.method) == (book.other_grid.pk, "point")
    assert resolve_place(texts=["路灯不亮"], latitude=None, longitude=None) is None


def test_ambiguous_names_are_less_sure(book: World) -> None:
    Area.objects.create(kind=AreaKind.COMMUNITY, code="DUP", name="望江社区", parent=book.other_grid.parent.parent)
    reset_place_index()
    place = resolve_place(texts=["望江社区"], latitude=None, longitude=None)
    assert place is not None
    assert place.confidence < 0.5


def test_ticket_records_how_it_was_located(book: World) -> None:
    ticket = new_ticket(book, latitude=None, longitude=None, address="滨江路88号望江花园")
    assert (ticket.area_id, ticket.place_method, ticket.place_confidence) == (book.grid.pk, "address", 0.95)
