"""Japan's 47 prefectures as SVG paths, with centroids for arcs, projected once from `japanmap.pref_points`.

`pref_points()` gives one outline per prefecture in degrees, with Hokkaido and Okinawa already moved into
insets (as japanmap draws them). Longitude is shrunk by cos 35.7° (0.812, japanmap's own ratio) so that
Honshu keeps its shape, and latitude is flipped for SVG's downward y.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Final

import japanmap

from schemas.regions import BLOC_CODES, PREFECTURE_TO_BLOC, PREFECTURES

MAP_WIDTH: Final = 560.0
PADDING: Final = 12.0
LONGITUDE_RATIO: Final = 0.812
# Prefectures japanmap moves into an inset: Hokkaido (JP-01) and Okinawa (JP-47).
INSET_PREFECTURES: Final = ("JP-01", "JP-47")
INSET_MARGIN: Final = 6.0

Point = tuple[float, float]


@dataclass(frozen=True)
class PrefectureShape:
    """One prefecture as drawn: code, names, bloc, SVG path data, area and centroid in viewBox units."""

    code: str
    label_ja: str
    label_en: str
    bloc: str
    path: str
    area: float
    centroid: Point


@dataclass(frozen=True)
class Inset:
    """A frame around a prefecture drawn away from its true place."""

    code: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class JapanShapes:
    """The whole map: viewBox size, prefectures in code order, bloc centroids and inset frames."""

    width: float
    height: float
    prefectures: tuple[PrefectureShape, ...]
    bloc_centroids: dict[str, Point]
    insets: tuple[Inset, ...]

    def centroid(self, region: str) -> Point | None:
        """Centroid of a prefecture or bloc code; None for any other region (a country, the nation)."""
        if region in self.bloc_centroids:
            return self.bloc_centroids[region]
        return next((shape.centroid for shape in self.prefectures if shape.code == region), None)


def _area_and_centroid(points: Sequence[Point]) -> tuple[float, Point]:
    """Shoelace area and centroid of a closed outline; the mean of the points if it has no area."""
    twice_area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(points, [*points[1:], points[0]], strict=True):
        cross = x0 * y1 - x1 * y0
        twice_area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(twice_area) < 1e-9:
        return 0.0, (sum(x for x, _ in points) / len(points), sum(y for _, y in points) / len(points))
    return abs(twice_area) / 2, (cx / (3 * twice_area), cy / (3 * twice_area))


def _path(points: Sequence[Point]) -> str:
    head, *rest = points
    return f"M{head[0]:.1f},{head[1]:.1f}" + "".join(f"L{x:.1f},{y:.1f}" for x, y in rest) + "Z"


@cache
def japan_shapes() -> JapanShapes:
    """The projected map (computed once per process: the outlines never change)."""
    # japanmap ships no annotations: a list of outlines, each a list of [longitude, latitude].
    degrees: list[list[list[float]]] = japanmap.pref_points()  # type: ignore[no-untyped-call]
    outlines = [[(lon * LONGITUDE_RATIO, -lat) for lon, lat in outline] for outline in degrees]
    left = min(x for outline in outlines for x, _ in outline)
    right = max(x for outline in outlines for x, _ in outline)
    top = min(y for outline in outlines for _, y in outline)
    bottom = max(y for outline in outlines for _, y in outline)
    scale = (MAP_WIDTH - 2 * PADDING) / (right - left)
    projected = [
        [(PADDING + (x - left) * scale, PADDING + (y - top) * scale) for x, y in outline] for outline in outlines
    ]
    shapes = []
    for region, points in zip(PREFECTURES, projected, strict=True):
        area, centroid = _area_and_centroid(points)
        shapes.append(
            PrefectureShape(
                region.code,
                region.label_ja,
                region.label_en,
                PREFECTURE_TO_BLOC[region.code],
                _path(points),
                area,
                centroid,
            )
        )
    blocs = {}
    for bloc in BLOC_CODES:
        members = [shape for shape in shapes if shape.bloc == bloc]
        total = sum(shape.area for shape in members)
        blocs[bloc] = (
            sum(shape.centroid[0] * shape.area for shape in members) / total,
            sum(shape.centroid[1] * shape.area for shape in members) / total,
        )
    insets = []
    for code in INSET_PREFECTURES:
        points = projected[int(code.removeprefix("JP-")) - 1]
        x0, y0 = min(x for x, _ in points) - INSET_MARGIN, min(y for _, y in points) - INSET_MARGIN
        x1, y1 = max(x for x, _ in points) + INSET_MARGIN, max(y for _, y in points) + INSET_MARGIN
        insets.append(Inset(code, round(x0, 1), round(y0, 1), round(x1 - x0, 1), round(y1 - y0, 1)))
    height = PADDING * 2 + (bottom - top) * scale
    return JapanShapes(MAP_WIDTH, round(height, 1), tuple(shapes), blocs, tuple(insets))
