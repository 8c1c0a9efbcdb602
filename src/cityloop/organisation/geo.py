"""Point-to-grid lookup: an STRtree over the grid polygons, built once per process."""

from dataclasses import dataclass

import shapely
from django.db.models import Count, Max
from shapely.geometry import shape

from cityloop.core.refreshing import Refreshing
from cityloop.organisation.choices import AreaKind
from cityloop.organisation.models import Area


@dataclass(frozen=True)
class GridRef:
    id: int
    path: str


@dataclass(frozen=True)
class GridIndex:
    tree: shapely.STRtree
    grids: tuple[GridRef, ...]

    @classmethod
    def build(cls) -> "GridIndex":
        rows = list(Area.objects.filter(kind=AreaKind.GRID, boundary__isnull=False)
                    .order_by("pk").values_list("pk", "path", "boundary"))
        geometries = [shape(boundary) for _, _, boundary in rows]
        for geometry in geometries:
            shapely.prepare(geometry)
        return cls(tree=shapely.STRtree(geometries), grids=tuple(GridRef(pk, path) for pk, path, _ in rows))

    def locate(self, longitude: float, latitude: float) -> GridRef | None:
        """The grid containing the WGS84 point (the first by id where grids touch), or None outside all."""
        hits = self.tree.query(shapely.Point(longitude, latitude), predicate="intersects")
        return self.grids[int(min(hits))] if len(hits) else None


def _grid_signature() -> tuple[int, object]:
    stats = Area.objects.filter(kind=AreaKind.GRID).aggregate(n=Count("pk"), changed=Max("updated_at"))
    return stats["n"], stats["changed"]


_index = Refreshing(GridIndex.build, _grid_signature)


def grid_index() -> GridIndex:
    return _index.get()


def reset_grid_index() -> None:
    _index.reset()


def locate_grid(longitude: float, latitude: float) -> GridRef | None:
    return grid_index().locate(longitude, latitude)
