"""The portal's reads: a citizen's own tickets, the public timeline of one, and the anonymised public map.

What a citizen sees of a ticket's history (the *public timeline*):
- the events whose action is in PUBLIC_ACTIONS, each with its label, time and the name of the acting unit;
  internal steps (returns, disputes, arbitration, progress notes, summons, extension requests and refusals,
  urging, supervision, overdue flags) are left out;
- the note of an event only for "answer" and "complete": that note is the reply to the citizen. Every other
  note is internal and never shown;
- never the actor's name or any other person's data.

The public map counts tickets of the last PUBLIC_MAP_DAYS days per grid, first-level category and open/closed,
and places each count at its grid's centroid: no exact point, no ticket content, no personal data. It is a
city-wide aggregate of the kind `tickets.selectors.ticket_overview` gives, so it is not scoped by the gates.
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from shapely.geometry import shape

from cityloop.core import clock
from cityloop.core.errors import NotFound
from cityloop.organisation.choices import AreaKind
from cityloop.organisation.models import Area
from cityloop.portal.models import Subscription
from cityloop.tickets.choices import Status
from cityloop.tickets.models import Category, Ticket, TicketEvent
from cityloop.tickets.selectors import ticket_get, ticket_list_visible
from cityloop.tickets.workflow import action_label

PUBLIC_ACTIONS = frozenset({"receive", "answer", "dispatch", "sign", "contact", "approve_extension", "suspend",
                            "resume", "complete", "callback", "close_unreachable", "reopen", "merge",
                            "invalidate"})
PUBLIC_NOTE_ACTIONS = frozenset({"answer", "complete"})
PUBLIC_MAP_DAYS = 90
# On the public map a ticket is "closed" when it is finished; merged and invalid tickets are left off.
MAP_STATUSES: dict[str, list[str]] = {
    "open": [s for s in Status if s not in {Status.CLOSED, Status.MERGED, Status.INVALID}],
    "closed": [Status.CLOSED],
}


def ticket_id_from_number(number: str) -> int:
    """The id inside a ticket number (YYYYMMDD + id padded to six digits); NotFound for anything else."""
    if not (number.isascii() and number.isdigit() and 14 <= len(number) <= 24):
        raise NotFound(_("Not found."))
    return int(number[8:])


def citizen_ticket_get(user: Any, number: str) -> Ticket:
    """One of the citizen's own tickets by its number, through the view gate; NotFound for anyone else's."""
    ticket = ticket_get(user, ticket_id_from_number(number))
    if ticket.number != number or ticket.citizen_id != user.pk:
        raise NotFound(_("Not found."))
    return ticket


def citizen_ticket_list(user: Any) -> QuerySet[Ticket]:
    """The citizen's own tickets, newest first (staff opening the portal see only what they reported)."""
    return (ticket_list_visible(user).filter(citizen_id=user.pk).select_related("unit")
            .only("pk", "number", "title", "status", "created_at", "unit__name").order_by("-created_at", "-pk"))


@dataclass(frozen=True)
class PublicEvent:
    action: str
    label: str
    at: datetime
    unit: str
    text: str


def public_timeline(ticket: Ticket) -> list[PublicEvent]:
    """The ticket's public history (see the module docstring). The caller has passed the gate for `ticket`."""
    events = (TicketEvent.objects.filter(ticket_id=ticket.pk, action__in=PUBLIC_ACTIONS)
              .select_related("actor_unit").only("action", "at", "note", "actor_unit__name").order_by("at", "pk"))
    return [PublicEvent(action=event.action, label=action_label(event.action), at=event.at,
                        unit=event.actor_unit.name if event.actor_unit else "",
                        text=event.note if event.action in PUBLIC_NOTE_ACTIONS else "")
            for event in events]


def _category_name(category: Mapping[str, Any]) -> str:
    if translation.get_language() == "en" and category["name_en"]:
        return str(category["name_en"])
    return str(category["name"])


def grid_geojson() -> dict[str, Any]:
    """The grid polygons (public geography: names and boundaries only)."""
    rows = Area.objects.filter(kind=AreaKind.GRID, boundary__isnull=False).order_by("pk").values_list(
        "pk", "name", "boundary")
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": pk, "properties": {"name": name}, "geometry": boundary}
        for pk, name, boundary in rows]}


def city_centre() -> tuple[float, float] | None:
    """(latitude, longitude) of the city, where maps open before the grids arrive."""
    row = (Area.objects.filter(parent__isnull=True, latitude__isnull=False, longitude__isnull=False)
           .order_by("pk").values_list("latitude", "longitude").first())
    if row is None or row[0] is None or row[1] is None:
        return None
    return (row[0], row[1])


Counts = dict[tuple[int, int | None, str], int]


def _recent_counts(days: int) -> Counts:
    """(grid id, first-level category id or None, "open"/"closed") -> number of tickets, one grouped query."""
    since = clock.now() - timedelta(days=days)
    status_kind = {status: kind for kind, statuses in MAP_STATUSES.items() for status in statuses}
    rows = (Ticket.objects.filter(created_at__gte=since, area__kind=AreaKind.GRID, status__in=status_kind)
            .values("area_id", "category__path", "status").annotate(n=Count("pk")).order_by())
    counts: Counts = defaultdict(int)
    for row in rows:
        path = row["category__path"]
        top = int(path.split("/", 1)[0]) if path else None
        counts[row["area_id"], top, status_kind[row["status"]]] += row["n"]
    return counts


def _category_names(ids: set[int | None]) -> dict[int | None, str]:
    names: dict[int | None, str] = {None: str(_("Not yet classified"))}
    for category in Category.objects.filter(pk__in={pk for pk in ids if pk}).values("pk", "name", "name_en"):
        names[category["pk"]] = _category_name(category)
    return names


def public_map_points(*, days: int = PUBLIC_MAP_DAYS) -> dict[str, Any]:
    """Counts of recent tickets per grid, first-level category and open/closed, at the grid's centroid."""
    counts = _recent_counts(days)
    names = _category_names({top for _grid, top, _kind in counts})
    centroids: dict[int, tuple[float, float]] = {}
    for pk, boundary in Area.objects.filter(pk__in={grid for grid, _top, _kind in counts}).values_list(
            "pk", "boundary"):
        if boundary:
            point = shape(boundary).centroid
            centroids[pk] = (round(point.x, 5), round(point.y, 5))
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(centroids[grid])},
         "properties": {"grid": grid, "category": names[top], "status": kind, "count": n}}
        for (grid, top, kind), n in sorted(counts.items(), key=lambda item: (item[0][0], item[0][1] or 0,
                                                                               item[0][2]))
        if grid in centroids]
    return {"type": "FeatureCollection", "days": days, "features": features}


@dataclass(frozen=True)
class CategoryCount:
    category: str
    open: int
    closed: int


def public_map_summary(*, days: int = PUBLIC_MAP_DAYS) -> list[CategoryCount]:
    """The public map's figures as a table: per first-level category, open and closed tickets."""
    totals: dict[int | None, dict[str, int]] = defaultdict(lambda: {"open": 0, "closed": 0})
    for (_grid, top, kind), n in _recent_counts(days).items():
        totals[top][kind] += n
    names = _category_names(set(totals))
    rows = [CategoryCount(names[top], t["open"], t["closed"]) for top, t in totals.items()]
    return sorted(rows, key=lambda row: (-(row.open + row.closed), row.category))


def subscription_emails(ticket_id: int) -> list[str]:
    """The addresses that asked for e-mails about the ticket (for the notification job)."""
    return list(Subscription.objects.filter(ticket_id=ticket_id, active=True).order_by("email")
                .values_list("email", flat=True))


def subscription_get(subscription_id: int) -> Subscription:
    subscription = Subscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        raise NotFound(_("Not found."))
    return subscription
