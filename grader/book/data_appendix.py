"""The book's data-card appendix, generated at build time from ``synthetic_data``.

One page per dataset (both reference countries on it) and an index page with a list and a map
per country (schematic districts and the synthetic operator's towers). The pages are written
into the book's staging copy, never into ``book/``; ``book/_toc.yml`` names them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import synthetic_data

FOLDER = "appendix/data"
COUNTRIES = ("botswana", "uruguay")


def docnames() -> list[str]:
    """The generated pages, as ``_toc.yml`` names them: the index first, then one per dataset."""
    return [f"{FOLDER}/index", *(f"{FOLDER}/{name}" for name in synthetic_data.DATASETS)]


def _demote(markdown: str) -> str:
    """Push every heading one level down, so two countries' cards fit under one page title."""
    return re.sub(r"^(#{1,5}) ", r"#\1 ", markdown, flags=re.MULTILINE)


def dataset_page(name: str, seed: int) -> str:
    spec = synthetic_data.DATASETS[name]
    parts = [
        f"# {spec.title}",
        "",
        (
            f"Data card of the synthetic dataset `{name}`, for each reference country, as generated "
            f"for this build (seed {seed}). A cohort built with another seed has the same structure "
            "but different numbers."
        ),
        "",
    ]
    for country in COUNTRIES:
        card = synthetic_data.data_card(name, country=country, seed=seed)
        # The country's card title becomes a section: "## Botswana".
        body = _demote(card).split("\n", 1)[1]
        parts += [f"## {synthetic_data.COUNTRIES[country].name}", body, ""]
    return "\n".join(parts)


def map_alt_text(country: str, seed: int) -> str:
    districts = synthetic_data.load("districts", country=country, seed=seed)
    towers = synthetic_data.load("mno_towers", country=country, seed=seed)
    per_district = towers["district"].value_counts()
    name = synthetic_data.COUNTRIES[country].name
    return (
        f"Schematic map of {name}: {len(districts)} district shapes outlined in grey, and "
        f"{len(towers)} synthetic mobile-network towers as dots. Towers cluster in the most "
        f"populous districts; {per_district.index[0]} has the most ({per_district.iloc[0]}) and "
        f"every district has at least {per_district.min()}."
    )


def map_png(country: str, seed: int) -> bytes:
    """A small PNG map: districts and towers. Plain colours that survive greyscale printing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 6), dpi=100)
    synthetic_data.plot_country(country, ax=ax, seed=seed)
    ax.set_aspect("equal")
    buffer = io.BytesIO()
    # No "Software" or date metadata: the same data gives the same bytes, so Sphinx skips it.
    fig.savefig(buffer, format="png", bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def index_page(seed: int) -> str:
    lines = [
        "# Data cards",
        "",
        (
            "Every dataset in this course is **synthetic**: no real person, phone number, card or "
            "trip is in it. Only district names, census populations and national sex totals are "
            "real. Each card below says what the dataset is for, what each column means, which "
            "patterns were planted on purpose (for the labs to find) and how it was generated."
        ),
        "",
        "| Dataset | Name in code |",
        "|---|---|",
    ]
    for name, spec in synthetic_data.DATASETS.items():
        lines.append(f"| {{doc}}`{spec.title} <{name}>` | `{name}` |")
    lines += [
        "",
        f"These pages were generated for this build of the book (seed {seed}).",
        "",
        "## Maps",
        "",
        (
            "District shapes are **schematic**, not official boundaries: they are drawn around each "
            "district's main town and clipped to the country outline, so that spatial joins work "
            "without shipping large official files."
        ),
        "",
    ]
    for country in COUNTRIES:
        name = synthetic_data.COUNTRIES[country].name
        lines += [
            f"### {name}",
            "",
            f"```{{figure}} map-{country}.png",
            f":alt: {map_alt_text(country, seed)}",
            ":width: 560px",
            "",
            f"{name}: schematic districts and the synthetic operator's towers (seed {seed}).",
            "```",
            "",
        ]
    return "\n".join(lines)


def write(staging: Path, seed: int, write_file: Callable[[Path, bytes], None]) -> list[Path]:
    """Write every generated page and map under ``staging``; return the paths written."""
    folder = staging / FOLDER
    files = {folder / "index.md": index_page(seed).encode("utf-8")}
    for name in synthetic_data.DATASETS:
        files[folder / f"{name}.md"] = dataset_page(name, seed).encode("utf-8")
    for country in COUNTRIES:
        files[folder / f"map-{country}.png"] = map_png(country, seed)
    for path, data in files.items():
        write_file(path, data)
    return list(files)
