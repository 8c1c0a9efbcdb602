"""Where a demand is: the address book first, then place names found in the text, then the map point.

Citizens often drop the map pin where they stand rather than where the problem is, while the words they use
("望江小区3栋门口") name the place exactly; so text that matches the address book or a known place name wins
over the point, and the point is the fallback.
"""

import re
from dataclasses import dataclass

from django.db.models import Count, Max

from cityloop.core.refreshing import Refreshing
from cityloop.organisation.choices import AREA_LEVELS, AreaKind
from cityloop.organisation.geo import locate_grid
from cityloop.organisation.models import Address, Area

# Names this short are too often ordinary words ("东区", "新村") to count on their own.
MIN_NAME_LENGTH = 3
# Area kinds whose names locate a demand; districts and the city are too coarse to be worth a match.
NAMED_KINDS = (AreaKind.STREET, AreaKind.COMMUNITY, AreaKind.GRID, AreaKind.BUILDING)
SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    return SPACES.sub("", text).replace("（", "(").replace("）", ")")


@dataclass(frozen=True)
class Place:
    area_id: int
    path: str
    method: str  # "address", "name", "point" or "none"
    confidence: float
    matched: str = ""


@dataclass(frozen=True)
class PlaceIndex:
    pattern: re.Pattern[str] | None
    # name → (area id, path, level, from the address book?) for every area or address carrying it
    names: dict[str, list[tuple[int, str, int, bool]]]

    @classmethod
    def build(cls) -> "PlaceIndex":
        names: dict[str, list[tuple[int, str, int, bool]]] = {}
        for pk, path, kind, name in Area.objects.filter(kind__in=NAMED_KINDS).values_list("pk", "path", "kind",
                                                                                          "name"):
            if len(name) >= MIN_NAME_LENGTH:
                names.setdefault(normalise(name), []).append((pk, path, AREA_LEVELS.index(kind), False))
        for text, area_id, path, kind in Address.objects.values_list("text", "area_id", "area__path",
                                                                     "area__kind"):
            names.setdefault(normalise(text), []).append((area_id, path, AREA_LEVELS.index(kind), True))
        if not names:
            return cls(None, {})
        alternatives = sorted(names, key=len, reverse=True)  # longest first: "望江小区3栋" before "望江小区"
        return cls(re.compile("|".join(map(re.escape, alternatives))), names)

    def find(self, text: str) -> Place | None:
        if self.pattern is None:
            return None
        best: tuple[tuple[int, int, int], Place] | None = None
        for match in self.pattern.finditer(normalise(text)):
            candidates = self.names[match.group()]
            area_id, path, level, from_book = max(candidates, key=lambda c: (c[3], c[2]))
            # Confidence: the address book beats a bare name; an ambiguous name (several areas) is doubtful.
            confidence = (0.95 if from_book else 0.6 + 0.05 * level) / len({c[0] for c in candidates})
            key = (from_book, len(match.group()), level)
            if best is None or key > best[0]:
                method = "address" if from_book else "name"
                best = (key, Place(area_id, path, method, round(min(confidence, 0.95), 2), match.group()))
        return best[1] if best else None


def _signature() -> tuple[object, ...]:
    areas = Area.objects.aggregate(n=Count("pk"), changed=Max("updated_at"))
    book = Address.objects.aggregate(n=Count("pk"), changed=Max("updated_at"))
    return areas["n"], areas["changed"], book["n"], book["changed"]


_index = Refreshing(PlaceIndex.build, _signature)


def reset_place_index() -> None:
    _index.reset()


def resolve_place(*, texts: list[str], latitude: float | None, longitude: float | None) -> Place | None:
    """The place the texts name (tried in order: the address, then title and description), refined by the
    point when the point lies inside it; else the grid of the point; else None."""
    index = _index.get()
    named = next((place for text in texts if text and (place := index.find(text))), None)
    grid = locate_grid(longitude, latitude) if latitude is not None and longitude is not None else None
    if named is not None and grid is not None and grid.path.startswith(named.path):
        return Place(grid.id, grid.path, f"{named.method}+point", 0.98, named.matched)
    if named is not None:
        return named
    if grid is not None:
        return Place(grid.id, grid.path, "point", 0.8)
    return None
