"""Point-to-grid lookup: an STRtree over the grid polygons, built once per process."""

from dataclasses import dataclass

import shapely
from django.db.models import Count, Max
from shapely.geometry import shape

from cityloop.core.refreshing import Refreshing
from cityloop.organisation.choices import AreaKind
from cityloop.organisation.models import Area


@dataclass(frozen=True)
class GridIndex:
    tree: shapely.STRtree
    area_ids: tuple[int, ...]

    @classmethod
    def build(cls) -> "GridIndex":
        rows = [(pk, shape(boundary)) for pk, boundary in
                Area.objects.filter(kind=AreaKind.GRID, boundary__isnull=False).values_list("pk", "boundary")]
        geometries = [geometry for _, geometry in rows]
        for geometry in geometries:
            shapely.prepare(geometry)
        return cls(tree=shapely.STRtree(geometries), area_ids=tuple(pk for pk, _ in rows))

    def locate(self, longitude: float, latitude: float) -> int | None:
        """The id of the grid containing the WGS84 point, or None outside every grid."""
        hits = self.tree.query(shapely.Point(longitude, latitude), predicate="intersects")
        return self.area_ids[int(min(hits))] if len(hits) else None


def _grid_signature() -> tuple[int, object]:
    stats = Area.objects.filter(kind=AreaKind.GRID).aggregate(n=Count("pk"), changed=Max("updated_at"))
    return stats["n"], stats["changed"]


_index = Refreshing(GridIndex.build, _grid_signature)


def grid_index() -> GridIndex:
    return _index.get()


def reset_grid_index() -> None:
    _index.reset()


def locate_grid(longitude: float, latitude: float) -> Area | None:
    area_id = grid_index().locate(longitude, latitude)
    return Area.objects.filter(pk=area_id).first() if area_id else None
