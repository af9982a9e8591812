"""A map of a country setting: its schematic districts and the synthetic operator's towers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .countries import COUNTRIES
from .loading import load
from .registry import check_args, resolve_seed

if TYPE_CHECKING:
    from matplotlib.axes import Axes

LABEL_SIZE = 7  # points
LABEL_PAD = 2.0  # pixels of white box around a label's text
TOWER_RADIUS = 2.5  # pixels: a tower marker this close to a label's box counts as covering it


def plot_country(
    country: str = "botswana",
    ax: Axes | None = None,
    size: str = "small",
    seed: int | None = None,
    labels: bool = True,
) -> Axes:
    """Draw the districts (schematic shapes) and the mobile towers of one country setting.

    Districts come from ``load("districts")`` and towers from ``load("mno_towers")`` for the
    given size and seed. Draws on ``ax`` if given, else on a new figure; returns the Axes. The
    map uses equal degrees on both axes. District labels are placed so that they overlap neither
    each other nor any tower (near their district when possible, with a leader line when moved
    away); place them after the figure has its final size.
    """
    seed = resolve_seed(seed)
    check_args("districts", country, size, seed)
    import matplotlib.pyplot as plt  # here, so importing the package does not load matplotlib

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 7))
    districts = load("districts", country, size, seed)
    towers = load("mno_towers", country, size, seed)
    districts.plot(ax=ax, color="#e8eef4", edgecolor="#4a5a6a", linewidth=0.8)
    ax.scatter(
        towers["lon"], towers["lat"], s=4, color="#c0392b", alpha=0.7, label="tower", zorder=3
    )
    ax.set_title(
        f"{COUNTRIES[country].name} (synthetic): {len(districts)} districts (schematic shapes) "
        f"and {len(towers):,} towers",
        fontsize=10,
    )
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.legend(loc="lower left", fontsize=8)
    ax.set_aspect("equal")
    if labels:
        _label_districts(ax, districts, towers[["lon", "lat"]].to_numpy())
    return ax


def _label_districts(ax: Axes, districts, towers_xy: np.ndarray) -> None:
    """Greedy label placement in display space: for each district (smallest first), the
    candidate position nearest its representative point whose box overlaps no placed label and
    no tower, inside the axes; failing that, the one covering the fewest towers."""
    from matplotlib.textpath import TextPath

    ax.autoscale_view()
    ax.set_xlim(ax.get_xlim())  # freeze the view, so the transform below stays valid
    ax.set_ylim(ax.get_ylim())
    ax.apply_aspect()
    to_display = ax.transData
    frame = ax.bbox.extents  # x0, y0, x1, y1 in pixels
    scale = ax.figure.dpi / 72  # pixels per point
    towers = to_display.transform(towers_xy)
    # A representative point is always inside its cell (a centroid may not be).
    anchors = to_display.transform(
        np.array([(p.x, p.y) for p in districts.geometry.representative_point()])
    )
    legend = ax.get_legend()
    placed: list[np.ndarray] = []
    if legend is not None:
        ax.figure.draw_without_rendering()
        placed.append(np.asarray(legend.get_window_extent().extents))
    directions = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    order = np.argsort(districts.geometry.to_crs(3857).area.to_numpy(), kind="stable")
    for i in order:
        name = districts["district"].iloc[i]
        extent = TextPath((0, 0), name, size=LABEL_SIZE).get_extents()
        half = np.array([extent.width, extent.height]) * scale / 2 + LABEL_PAD
        best, best_score = anchors[i], np.inf
        for radius in np.arange(0, 40, 3) * half[1]:
            for angle in directions if radius else [0.0]:
                centre = anchors[i] + radius * np.array([np.cos(angle), np.sin(angle)])
                box = np.concatenate([centre - half, centre + half])
                if box[0] < frame[0] or box[1] < frame[1] or box[2] > frame[2] or box[3] > frame[3]:
                    continue
                if any(_overlap(box, other) for other in placed):
                    continue
                near = (towers >= box[:2] - TOWER_RADIUS) & (towers <= box[2:] + TOWER_RADIUS)
                score = near.all(axis=1).sum() * 1e6 + radius
                if score < best_score:
                    best, best_score = centre, score
            if best_score < 1e6:
                break  # the nearest free ring: no need to look further out
        placed.append(np.concatenate([best - half, best + half]))
        moved = np.hypot(*(best - anchors[i])) > 2 * half[1]
        ax.annotate(
            name,
            xy=to_display.inverted().transform(anchors[i]),
            xytext=to_display.inverted().transform(best),
            ha="center",
            va="center",
            fontsize=LABEL_SIZE,
            color="#1f2d3a",
            zorder=5,
            bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85},
            arrowprops=(
                {"arrowstyle": "-", "color": "#4a5a6a", "lw": 0.6, "shrinkA": 0, "shrinkB": 2}
                if moved
                else None
            ),
        )


def _overlap(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
