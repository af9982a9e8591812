"""Schematic district shapes (Voronoi cells around capitals) and sampling places inside them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

import geopandas as gpd
import numpy as np
import shapely

from .countries import COUNTRIES, Country


@cache
def outline(country_key: str) -> shapely.Polygon:
    """Natural Earth 1:110m outline (public domain), vendored in ``resources/``."""
    text = resources.files("synthetic_data").joinpath("resources/country_outlines.geojson")
    features = json.loads(text.read_text(encoding="utf-8"))["features"]
    name = COUNTRIES[country_key].name
    geometry = next(f["geometry"] for f in features if f["properties"]["name"] == name)
    return shapely.geometry.shape(geometry)


@dataclass(frozen=True)
class Geography:
    cells: tuple[shapely.Geometry, ...]  # one per district, in countries.py order
    anchors: np.ndarray  # (district, 2) lon/lat of each district's main settlement, inside its cell


@cache
def geography(country_key: str) -> Geography:
    country = COUNTRIES[country_key]
    table = country.district_table()
    points = shapely.points(table["lon"].to_numpy(), table["lat"].to_numpy())
    shape = outline(country_key)
    regions = shapely.voronoi_polygons(
        shapely.multipoints(points), extend_to=shape.buffer(2.0), ordered=True
    )
    cells = tuple(
        shapely.normalize(shapely.intersection(cell, shape)) for cell in shapely.get_parts(regions)
    )
    anchors = []
    for point, cell in zip(shapely.get_parts(points), cells, strict=True):
        # Coarse outlines leave some coastal capitals just outside the country; walk towards the
        # cell's interior until the settlement is inside, so homes and towers stay in the cell.
        inner = cell.point_on_surface()
        anchor = point
        for t in np.linspace(0.1, 1.0, 10):
            if cell.buffer(-0.02).contains(anchor):
                break
            anchor = shapely.line_interpolate_point(
                shapely.LineString([point, inner]), t, normalized=True
            )
        anchors.append((anchor.x, anchor.y))
    return Geography(cells=cells, anchors=np.round(np.asarray(anchors), 5))


def districts_frame(country: Country) -> gpd.GeoDataFrame:
    geo = geography(country.key)
    table = country.district_table().rename(columns={"lat": "capital_lat", "lon": "capital_lon"})
    table["area_km2_schematic"] = (
        gpd.GeoSeries(geo.cells, crs="EPSG:4326").to_crs(_equal_area(country)).area / 1e6
    ).round(0)
    return gpd.GeoDataFrame(table, geometry=list(geo.cells), crs="EPSG:4326")


def _equal_area(country: Country) -> str:
    lon, lat = country.district_table()[["lon", "lat"]].mean()
    return f"+proj=laea +lat_0={lat:.1f} +lon_0={lon:.1f} +datum=WGS84 +units=m"


def sample_in_cells(
    rng: np.random.Generator,
    country_key: str,
    district_idx: np.ndarray,
    spread: np.ndarray,
) -> np.ndarray:
    """Points (lon, lat) in each person's district cell.

    ``spread`` is the standard deviation in degrees around the district's anchor; ``inf`` means
    uniform over the whole cell (rural dwellers). Points that land outside the cell are redrawn a
    few times, then placed at the anchor, so every point is inside its district.
    """
    geo = geography(country_key)
    n = len(district_idx)
    out = np.empty((n, 2))
    todo = np.arange(n)
    bounds = np.array([c.bounds for c in geo.cells])  # minx, miny, maxx, maxy
    for _ in range(30):
        if not len(todo):
            break
        d = district_idx[todo]
        s = spread[todo]
        uniform = ~np.isfinite(s)
        lo, hi = bounds[d, :2], bounds[d, 2:]
        pts = geo.anchors[d] + rng.normal(size=(len(todo), 2)) * np.where(uniform, 0, s)[:, None]
        pts = np.where(uniform[:, None], lo + rng.random((len(todo), 2)) * (hi - lo), pts)
        ok = np.zeros(len(todo), dtype=bool)
        for k in np.unique(d):
            m = d == k
            ok[m] = shapely.contains_xy(geo.cells[k], pts[m, 0], pts[m, 1])
        out[todo[ok]] = pts[ok]
        todo = todo[~ok]
    out[todo] = geo.anchors[district_idx[todo]]
    return np.round(out, 5)


GROWTH = 1.25  # radius growth per round in nearest()


def nearest(points: np.ndarray, targets: np.ndarray, k: int = 1) -> np.ndarray:
    """Indices of the ``k`` nearest targets for each point (equirectangular distance).

    Ties go to the lower target index. A spatial index (shapely's STRtree) finds, for each
    point, the nearest targets; for ``k > 1``, the targets within a radius that grows until it
    provably holds the ``k`` nearest; only those are compared. Comparing every person with every tower took minutes and
    gigabytes at national scale; this is near-linear in the number of points.
    """
    if not 1 <= k <= len(targets):
        raise ValueError(f"k must be from 1 to the number of targets ({len(targets)}), got {k}")
    scale = np.cos(np.deg2rad(targets[:, 1].mean()))
    t = targets * [scale, 1.0]
    tree = shapely.STRtree(shapely.points(t))
    span = np.ptp(t, axis=0).max() if len(t) > 1 else 1.0
    floor = max(float(span) * 1e-6, 1e-12)  # a first radius when a point sits on a target
    out = np.empty((len(points), k), dtype=np.int64)
    batch = 200_000  # bounds the memory of shapely point objects
    for first in range(0, len(points), batch):
        p = points[first : first + batch] * [scale, 1.0]
        geoms = shapely.points(p)
        if k == 1:
            # Every equally near target (as GEOS measures), then the lowest index among them.
            inp, tgt = tree.query_nearest(geoms, all_matches=True)
            d2 = ((p[inp] - t[tgt]) ** 2).sum(axis=1)
            order = np.lexsort((tgt, d2, inp))
            inp, tgt = inp[order], tgt[order]
            head = np.ones(len(inp), dtype=bool)
            head[1:] = inp[1:] != inp[:-1]
            out[first + inp[head], 0] = tgt[head]
            continue
        found, d1 = tree.query_nearest(geoms, return_distance=True)
        radius = np.empty(len(p))
        radius[found[0]] = d1
        # Grow the radius gently: overshooting into a dense town would compare a far-off point
        # with hundreds of towers.
        radius = np.maximum(radius * GROWTH, floor)
        todo = np.arange(len(p))
        while len(todo):
            inp, tgt = tree.query(geoms[todo], predicate="dwithin", distance=radius[todo])
            d2 = ((p[todo][inp] - t[tgt]) ** 2).sum(axis=1)
            order = np.lexsort((tgt, d2, inp))
            inp, tgt, d2 = inp[order], tgt[order], d2[order]
            start = np.searchsorted(inp, np.arange(len(todo) + 1))
            enough = np.diff(start) >= k
            kth = np.where(enough, d2[np.minimum(start[:-1] + k - 1, len(d2) - 1)], np.inf)
            # Targets outside the radius are farther than it: the k nearest are settled when
            # the k-th candidate is clearly inside (a margin for rounding in GEOS's distance).
            done = kth < (radius[todo] * (1 - 1e-9)) ** 2
            rows = start[:-1][done][:, None] + np.arange(k)
            out[first + todo[done]] = tgt[rows]
            todo = todo[~done]
            radius[todo] *= GROWTH
    return out


def km_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle distance in km between (lon, lat) rows."""
    lon1, lat1, lon2, lat2 = (np.deg2rad(x) for x in (a[:, 0], a[:, 1], b[:, 0], b[:, 1]))
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * np.arcsin(np.sqrt(h))
