"""The responsibility catalogue: the most specific entry valid today wins (deepest category, then deepest area)."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from cityloop.conftest import World
from cityloop.core import clock
from cityloop.dispatch.models import CatalogueEntry
from cityloop.dispatch.selectors import catalogue_suggestion, catalogue_suggestions, queue_list
from cityloop.organisation.models import Unit
from cityloop.tickets.models import Category, Ticket
from cityloop.tickets.tests.flows import new_ticket

# No place names in the text: the ticket's area comes from its point alone (the default sits in world.grid).
PLAIN = "门口垃圾三天没人清运，气味很大。"


def plain_ticket(world: World, **overrides: Any) -> Ticket:
    return new_ticket(world, **{"description": PLAIN, **overrides})


def entry(category: Category, area: object, unit: Unit, *co_units: Unit, **dates: dt.date) -> CatalogueEntry:
    created = CatalogueEntry.objects.create(category=category, area=area, unit=unit, **dates)
    created.co_units.set(co_units)
    return created


def today() -> dt.date:
    return timezone.localdate(clock.now())


def both_ways(ticket: Ticket, world: World) -> Unit | None:
    """The single-ticket selector and the queue's annotation must give the same answer."""
    single = catalogue_suggestion(Ticket.objects.select_related("category").get(pk=ticket.pk))
    listed = {t.pk: t for t in queue_list(world.users["dispatcher"])}
    batch = catalogue_suggestions([listed[ticket.pk]])[ticket.pk]
    assert (single.unit if single else None) == (batch.unit if batch else None)
    if single and batch:
        assert single.co_units == batch.co_units
    return single.unit if single else None


@pytest.fixture
def leaf(world: World) -> Category:
    return Category.objects.create(code="010101", name="垃圾清运", level=3, parent=world.category)


def test_deepest_category_wins_over_deeper_area(world: World, leaf: Category) -> None:
    top = world.category.parent
    assert top is not None
    entry(top, world.city, world.other_department)
    entry(world.category, world.city, world.department, world.other_department)
    entry(top, world.street, world.street_office)
    ticket = plain_ticket(world, category_id=leaf.pk)  # located in the grid below the street
    assert both_ways(ticket, world) == world.department
    suggestion = catalogue_suggestion(Ticket.objects.get(pk=ticket.pk))
    assert suggestion is not None
    assert suggestion.co_units == [world.other_department]
    # the same category depth: the deeper area wins
    entry(world.category, world.street, world.street_office)
    assert both_ways(ticket, world) == world.street_office
    # a deeper category beats every area
    entry(leaf, world.city, world.other_department)
    assert both_ways(ticket, world) == world.other_department


def test_area_subtree_and_category_subtree_limit_matches(world: World, leaf: Category) -> None:
    entry(world.category, world.street, world.street_office)
    elsewhere = plain_ticket(world, latitude=30.605, longitude=114.325)  # the other street's grid
    assert elsewhere.area_id == world.other_grid.pk
    assert both_ways(elsewhere, world) is None
    other_top = Category.objects.create(code="02", name="社会保障", level=1)
    other_leaf = Category.objects.create(code="0201", name="社保缴费", level=2, parent=other_top)
    assert both_ways(plain_ticket(world, category_id=other_leaf.pk), world) is None
    assert both_ways(plain_ticket(world, category_id=leaf.pk), world) == world.street_office
    assert both_ways(plain_ticket(world, category_id=None), world) is None


def test_validity_dates_are_inclusive_and_expired_entries_ignored(world: World) -> None:
    day = dt.timedelta(days=1)
    entry(world.category, world.street, world.street_office, valid_to=today() - day)
    entry(world.category, world.community, world.other_department, valid_from=today() + day)
    entry(world.category, world.city, world.department, valid_from=today(), valid_to=today())
    ticket = plain_ticket(world)
    assert both_ways(ticket, world) == world.department
    CatalogueEntry.objects.filter(unit=world.department).update(valid_from=today() - 2 * day, valid_to=today() - day)
    assert both_ways(ticket, world) is None


def test_inactive_units_are_not_suggested(world: World) -> None:
    entry(world.category, world.street, world.street_office, world.department)
    entry(world.category, world.city, world.other_department)
    ticket = plain_ticket(world)
    Unit.objects.filter(pk=world.department.pk).update(active=False)
    suggestion = catalogue_suggestion(Ticket.objects.get(pk=ticket.pk))
    assert suggestion is not None
    assert suggestion == (world.street_office, [])
    Unit.objects.filter(pk=world.street_office.pk).update(active=False)
    assert both_ways(ticket, world) == world.other_department


def test_period_that_ends_before_it_starts_is_refused(world: World) -> None:
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    bad = CatalogueEntry(category=world.category, area=world.city, unit=world.department,
                         valid_from=today(), valid_to=today() - dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        bad.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        bad.save()


def test_catalogue_in_the_admin(world: World, client: Any, django_user_model: Any) -> None:
    admin_client = client
    admin_client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "pw"))
    response = admin_client.post("/admin/dispatch/catalogueentry/add/", {
        "category": world.category.pk, "area": world.street.pk, "unit": world.street_office.pk,
        "co_units": [world.street_office.pk], "valid_from": "", "valid_to": "", "note": ""})
    assert response.status_code == 200  # refused: the unit is also a co-handler
    assert not CatalogueEntry.objects.exists()
    response = admin_client.post("/admin/dispatch/catalogueentry/add/", {
        "category": world.category.pk, "area": world.street.pk, "unit": world.street_office.pk,
        "co_units": [world.department.pk], "valid_from": "2026-01-01", "valid_to": "2026-12-31", "note": ""})
    assert response.status_code == 302
    assert CatalogueEntry.objects.get().co_units.get() == world.department
    assert admin_client.get("/admin/dispatch/catalogueentry/").status_code == 200
