"""Point-to-grid lookup: an STRtree over the grid polygons, built once per process."""

from dataclasses import dataclass

import shapely
from shapely.geometry import shape

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


_index: GridIndex | None = None


def grid_index() -> GridIndex:
    global _index  # noqa: PLW0603 - rebuilt only when the grid layer changes
    if _index is None:
        _index = GridIndex.build()
    return _index


def reset_grid_index() -> None:
    global _index  # noqa: PLW0603
    _index = None


def locate_grid(longitude: float, latitude: float) -> Area | None:
    area_id = grid_index().locate(longitude, latitude)
    return Area.objects.filter(pk=area_id).first() if area_id else None
