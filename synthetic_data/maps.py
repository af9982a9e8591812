"""A map of a country setting: its schematic districts and the synthetic operator's towers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .build import load
from .countries import COUNTRIES
from .registry import check_args, resolve_seed

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_country(
    country: str = "botswana",
    ax: Axes | None = None,
    size: str = "small",
    seed: int | None = None,
    labels: bool = True,
) -> Axes:
    """Draw the districts (schematic shapes) and the mobile towers of one country setting.

    Districts come from ``load("districts")`` and towers from ``load("mno_towers")`` for the
    given size and seed. Draws on ``ax`` if given, else on a new figure; returns the Axes.
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
    if labels:
        # A representative point is always inside its cell (a centroid may not be).
        points = districts.geometry.representative_point()
        for name, point in zip(districts["district"], points, strict=True):
            ax.annotate(name, (point.x, point.y), fontsize=7, ha="center", color="#1f2d3a")
    ax.set_title(
        f"{COUNTRIES[country].name} (synthetic): {len(districts)} districts (schematic shapes) "
        f"and {len(towers):,} towers",
        fontsize=10,
    )
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.legend(loc="lower left", fontsize=8)
    return ax
