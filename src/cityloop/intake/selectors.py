"""Reads for the operator console: the category picker, the caller's earlier tickets, the grid layer, suggestions."""

import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from cityloop.organisation.choices import AreaKind
from cityloop.organisation.geo import locate_grid
from cityloop.organisation.models import Area
from cityloop.security import grants as g
from cityloop.security.access import grants_for, visible_to
from cityloop.tickets.models import Category, Ticket

HISTORY_LIMIT = 10
_PHONE_NOISE = re.compile(r"[\s\-()]")


def can_take_calls(user: Any) -> bool:
    """Staff who may record demands in some area or unit scope.

    Not `grants_for(...).empty`: every signed-in citizen holds `ticket.create` for their own tickets, which must
    not open the operator console to them.
    """
    grants = grants_for(user, g.CREATE)
    return bool(grants.area_paths or grants.unit_paths)


def normalise_phone(phone: str) -> str:
    """The phone number as stored and looked up: no spaces, dashes or brackets."""
    return _PHONE_NOISE.sub("", phone or "")


@dataclass
class CategoryOption:
    id: int
    label: str
    search: str  # what the picker's text filter matches: codes and names of the category and its ancestors
    level: int


@dataclass
class CategoryGroup:
    label: str
    options: list[CategoryOption] = field(default_factory=list)


def category_groups(search: str = "", keep: int | None = None) -> list[CategoryGroup]:
    """The active taxonomy grouped by its first level, in code order.

    `search` narrows it (the filter of the picker when scripts are off); the category `keep` stays in any case.
    """
    categories = list(Category.objects.filter(active=True).order_by("path").only(
        "pk", "code", "name", "name_en", "level", "path", "parent_id"))
    by_id = {c.pk: c for c in categories}
    groups: dict[int, CategoryGroup] = {}
    needle = search.strip().casefold()
    for category in categories:
        chain = [by_id[int(pk)] for pk in category.path.strip("/").split("/") if int(pk) in by_id]
        if not chain or chain[0].level != 1:
            continue  # below an inactive category: not offered
        top = chain[0]
        group = groups.setdefault(top.pk, CategoryGroup(f"{top.code} {top.name}"))
        text = " ".join(f"{c.code} {c.name} {c.name_en}" for c in chain).casefold()
        if needle and needle not in text and category.pk != keep:
            continue
        indent = "\u3000" * (category.level - 1)
        group.options.append(CategoryOption(category.pk, f"{indent}{category.code} {category.name}", text,
                                            category.level))
    return [group for group in groups.values() if group.options]


def caller_history(user: Any, phone: str) -> QuerySet[Ticket]:
    """The caller's earlier tickets that the user may see, newest first."""
    phone = normalise_phone(phone)
    if len(phone) < 5:
        return Ticket.objects.none()
    tickets = visible_to(user, g.VIEW, Ticket.objects.filter(citizen_phone=phone))
    return tickets.select_related("unit", "category").order_by("-created_at", "-id")[:HISTORY_LIMIT]


@dataclass(frozen=True)
class GridAt:
    id: int
    name: str
    trail: list[str]  # the names of the areas above the grid, from the district down


def grid_at(latitude: float, longitude: float) -> GridAt | None:
    """The grid containing the point (the same lookup ticket_create uses to place a ticket), or None."""
    ref = locate_grid(longitude, latitude)
    if ref is None:
        return None
    ids = [int(pk) for pk in ref.path.strip("/").split("/")]
    names = dict(Area.objects.filter(pk__in=ids).values_list("pk", "name"))
    return GridAt(ref.id, names.get(ref.id, ""), [names[pk] for pk in ids[1:-1] if pk in names])


def map_centre() -> tuple[float, float] | None:
    """Where the console's map starts before the grid layer arrives: the city's representative point."""
    row = (Area.objects.filter(parent__isnull=True, latitude__isnull=False, longitude__isnull=False)
           .order_by("pk").values_list("latitude", "longitude").first())
    if row is None or row[0] is None or row[1] is None:
        return None
    return row[0], row[1]


def grid_layer(user: Any) -> dict[str, Any]:
    """The grid polygons of the user's intake scope as a GeoJSON FeatureCollection (the map has no base tiles)."""
    grants = grants_for(user, g.CREATE)
    scope = Q(pk__in=[])
    for path in grants.area_paths:
        scope |= Q(path__startswith=path)
    grids = (Area.objects.filter(scope, kind=AreaKind.GRID, boundary__isnull=False)
             .order_by("path").values_list("pk", "code", "name", "boundary"))
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": pk, "properties": {"code": code, "name": name}, "geometry": boundary}
        for pk, code, name, boundary in grids]}


def suggestions_for(user: Any, text: str, latitude: float | None, longitude: float | None) -> dict[str, list[Any]]:
    """`intake_suggestions` for one user: duplicates they may not see are dropped."""
    suggestions = intake_suggestions(text, latitude, longitude)
    duplicates = suggestions.get("duplicates") or []
    if duplicates:
        visible = set(visible_to(user, g.VIEW, Ticket.objects.filter(pk__in=[d["id"] for d in duplicates]))
                      .values_list("pk", flat=True))
        suggestions["duplicates"] = [d for d in duplicates if d["id"] in visible]
    return suggestions


def intake_suggestions(text: str, latitude: float | None, longitude: float | None) -> dict[str, list[Any]]:
    """Suggestions for the call being typed: categories from the active model, units (catalogue and history),
    open duplicates nearby, knowledge-base answers. Empty lists where nothing is known.

    The console renders whatever the lists hold, so the shape is the contract:
      categories: [{"id": category id, "label": str, "score": float}]
      units:      [{"id": unit id, "label": str, "score": float}]
      duplicates: [{"id": ticket id, "number": str, "title": str, "score": float}]  (gate them with visible_to)
      answers:    [{"title": str, "text": str, "source": str}]  (knowledge-base answers)
    """
    from cityloop.dispatch.suggest import dispatch_advice, unit_labels
    from cityloop.intelligence.duplicates import duplicate_candidates
    from cityloop.intelligence.knowledge import knowledge_search
    from cityloop.intelligence.models import KnowledgeArticle
    from cityloop.intelligence.suggestions import category_suggestions

    text = (text or "").strip()[:5000]
    empty: dict[str, list[Any]] = {"categories": [], "units": [], "duplicates": [], "answers": []}
    if not text:
        return empty
    title, _, description = text.partition("\n")
    categories, _model = category_suggestions(title, description)
    category = Category.objects.filter(pk=categories[0]["id"]).first() if categories else None
    ref = locate_grid(longitude, latitude) if latitude is not None and longitude is not None else None
    draft = Ticket(title=title, description=description, category=category, area_path=ref.path if ref else "")
    units = unit_labels(dispatch_advice(draft)) if category is not None else []
    duplicates = [{"id": d.ticket_id, "number": d.number, "title": d.title, "score": d.score}
                  for d in duplicate_candidates(title=title, description=description, latitude=latitude,
                                                longitude=longitude, category=category)]
    hits = knowledge_search(text, limit=3)
    articles = KnowledgeArticle.objects.in_bulk([h.article_id for h in hits])
    answers = [{"title": articles[h.article_id].title, "text": articles[h.article_id].answer,
                "source": articles[h.article_id].basis, "id": h.article_id, "score": h.score}
               for h in hits if h.article_id in articles]
    return {"categories": categories, "units": units, "duplicates": duplicates, "answers": answers}
