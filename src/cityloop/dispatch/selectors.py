"""Reads for the dispatcher: the queue and the responsibility catalogue's suggestion, through the access gate."""

from collections.abc import Iterable
from typing import Any, NamedTuple

from django.db.models import CharField, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Length
from django.db.models.lookups import StartsWith
from django.utils import timezone

from cityloop.core import clock
from cityloop.dispatch.models import CatalogueEntry
from cityloop.organisation.choices import UnitKind
from cityloop.organisation.models import Unit
from cityloop.security import grants as g
from cityloop.security.access import grants_for, visible_to
from cityloop.tickets.choices import Status
from cityloop.tickets.models import Ticket, TicketEvent

# The states in which a ticket waits for the centre: new, sent back by a unit, or contested.
QUEUE_STATUSES = (Status.RECEIVED, Status.RETURNED, Status.DISPUTED)


class Suggestion(NamedTuple):
    """The catalogue's answer for one ticket: the primary unit and the co-handling units."""

    unit: Unit
    co_units: list[Unit]


def can_dispatch(user: Any) -> bool:
    return not grants_for(user, g.DISPATCH).empty


def _ranked_entries(category_path: Any, area_path: Any) -> QuerySet[CatalogueEntry]:
    """Entries valid today whose category and area contain the given paths, most specific first.

    Among the ancestors of one node a longer path is a deeper node, so ordering by path length ranks by depth:
    the deepest category first, then the deepest area; ties go to the most recent validity start, then the newest.
    """
    today = timezone.localdate(clock.now())
    category = Value(category_path, output_field=CharField()) if isinstance(category_path, str) else category_path
    area = Value(area_path, output_field=CharField()) if isinstance(area_path, str) else area_path
    return (CatalogueEntry.objects
            .filter(StartsWith(category, F("category__path")), StartsWith(area, F("area__path")),
                    Q(valid_from__isnull=True) | Q(valid_from__lte=today),
                    Q(valid_to__isnull=True) | Q(valid_to__gte=today), unit__active=True)
            .order_by(Length("category__path").desc(), Length("area__path").desc(),
                      F("valid_from").desc(nulls_last=True), "-pk"))


def _co_units() -> Prefetch:
    return Prefetch("co_units", Unit.objects.filter(active=True).order_by("path"))


def _suggestion(entry: CatalogueEntry | None) -> Suggestion | None:
    if entry is None:
        return None
    return Suggestion(entry.unit, [unit for unit in entry.co_units.all() if unit.pk != entry.unit_id])


def catalogue_suggestion(ticket: Ticket) -> Suggestion | None:
    """The most specific catalogue entry for the ticket's category and area, or None (no category, no entry)."""
    if ticket.category_id is None or not ticket.area_path:
        return None
    category_path = ticket.category.path if ticket.category else ""
    entry = (_ranked_entries(category_path, ticket.area_path)
             .select_related("unit").prefetch_related(_co_units()).first())
    return _suggestion(entry)


def catalogue_suggestions(tickets: Iterable[Ticket]) -> dict[int, Suggestion | None]:
    """The suggestion for each ticket of a queue page annotated by `queue_list` (two queries for the page)."""
    tickets = list(tickets)
    ids = {t.suggested_entry_id for t in tickets if getattr(t, "suggested_entry_id", None)}  # type: ignore[attr-defined]
    entries = {e.pk: e for e in CatalogueEntry.objects.filter(pk__in=ids)
               .select_related("unit").prefetch_related(_co_units())}
    return {t.pk: _suggestion(entries.get(getattr(t, "suggested_entry_id", None) or 0)) for t in tickets}


def queue_list(user: Any, *, street_only: bool = False) -> QuerySet[Ticket]:
    """Tickets the user may dispatch that wait for the centre, oldest first, each with its best catalogue entry."""
    best = _ranked_entries(OuterRef("category__path"), OuterRef("area_path"))
    tickets = (visible_to(user, g.DISPATCH, Ticket.objects.filter(status__in=QUEUE_STATUSES))
               .select_related("category", "area", "unit")
               .annotate(suggested_entry_id=Subquery(best.values("pk")[:1]),
                         suggested_unit_kind=Subquery(best.values("unit__kind")[:1])))
    if street_only:
        tickets = tickets.filter(suggested_unit_kind=UnitKind.STREET_OFFICE)
    return tickets.order_by("created_at", "id")


def queue_reasons(tickets: Iterable[Ticket]) -> dict[int, dict[str, TicketEvent]]:
    """For returned and disputed tickets: the latest return and dispute events, which carry the reasons."""
    ids = [t.pk for t in tickets if t.status in (Status.RETURNED, Status.DISPUTED)]
    latest: dict[int, dict[str, TicketEvent]] = {}
    if ids:
        events = (TicketEvent.objects.filter(ticket_id__in=ids, action__in=("return", "dispute"))
                  .select_related("actor_unit").order_by("ticket_id", "at", "id"))
        for event in events:
            latest.setdefault(event.ticket_id, {})[event.action] = event
    return latest
