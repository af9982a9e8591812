"""The book's data-card appendix, generated at build time from ``synthetic_data``.

One page per dataset (both reference countries on it) and an index page with a list and a map
per country (schematic districts and the synthetic operator's towers). The pages are written
into the book's staging copy, never into ``book/``; ``book/_toc.yml`` names them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import synthetic_data

FOLDER = "appendix/data"
COUNTRIES = ("botswana", "uruguay")


@dataclass(frozen=True)
class AppendixWords:
    """The appendix's own sentences in one language (``str.format`` templates). The cards
    themselves come from ``synthetic_data.data_card(..., language=...)``."""

    title: str
    intro: str
    table: tuple[str, str]  # the index's column headers
    generated: str  # {seed}
    maps: str
    maps_intro: str
    caption: str  # {country}, {seed}
    alt: str  # {country}, {districts}, {towers}, {top}, {top_count}, {least}
    page_intro: str  # {name}, {seed}
    map_title: str  # {country}, {districts}, {towers}
    longitude: str
    latitude: str
    tower: str
    count: str  # how a count is written: English groups thousands, Spanish keeps digits plain


ENGLISH = AppendixWords(
    title="Data cards",
    intro=(
        "Every dataset in this course is **synthetic**: no real person, phone number, card or "
        "trip is in it. Only district names, census populations and national sex totals are "
        "real. Each card below says what the dataset is for, what each column means, which "
        "patterns were planted on purpose (for the labs to find) and how it was generated."
    ),
    table=("Dataset", "Name in code"),
    generated="These pages were generated for this build of the book (seed {seed}).",
    maps="Maps",
    maps_intro=(
        "District shapes are **schematic**, not official boundaries: they are drawn around each "
        "district's main town and clipped to the country outline, so that spatial joins work "
        "without shipping large official files."
    ),
    caption="{country}: schematic districts and the synthetic operator's towers (seed {seed}).",
    alt=(
        "Schematic map of {country}: {districts} district shapes outlined in grey, and "
        "{towers} synthetic mobile-network towers as dots. Towers cluster in the most "
        "populous districts; {top} has the most ({top_count}) and every district has at least "
        "{least}."
    ),
    page_intro=(
        "Data card of the synthetic dataset `{name}`, for each reference country, as generated "
        "for this build (seed {seed}). A cohort built with another seed has the same structure "
        "but different numbers."
    ),
    map_title="{country} (synthetic): {districts} districts (schematic shapes) and {towers} towers",
    longitude="longitude",
    latitude="latitude",
    tower="tower",
    count="{:,}",
)
# Terms as in i18n/terminology.yml ("ficha de datos", "sintético"); Uruguayan usage ("antena").
SPANISH = AppendixWords(
    title="Fichas de datos",
    intro=(
        "Todos los conjuntos de datos de este curso son **sintéticos**: no contienen ninguna "
        "persona, número de teléfono, tarjeta ni viaje reales. Solo son reales los nombres de los "
        "distritos, las poblaciones censales y los totales nacionales por sexo. Cada ficha indica "
        "para qué sirve el conjunto de datos, qué significa cada columna, qué patrones se "
        "introdujeron a propósito (para que los laboratorios los encuentren) y cómo se generó."
    ),
    table=("Conjunto de datos", "Nombre en el código"),
    generated="Estas páginas se generaron para esta compilación del libro (semilla {seed}).",
    maps="Mapas",
    maps_intro=(
        "Las formas de los distritos son **esquemáticas**, no límites oficiales: se trazan "
        "alrededor de la ciudad principal de cada distrito y se recortan al contorno del país, "
        "para que las uniones espaciales funcionen sin distribuir archivos oficiales pesados."
    ),
    caption=(
        "{country}: distritos esquemáticos y antenas del operador sintético (semilla {seed})."
    ),
    alt=(
        "Mapa esquemático de {country}: {districts} formas de distritos con contorno gris y "
        "{towers} antenas sintéticas de la red móvil, como puntos. Las antenas se concentran en "
        "los distritos más poblados; {top} tiene la mayor cantidad ({top_count}) y todos los "
        "distritos tienen al menos {least}."
    ),
    page_intro=(
        "Ficha de datos del conjunto de datos sintético `{name}`, para cada país de referencia, "
        "tal como se generó para esta compilación (semilla {seed}). Una cohorte generada con "
        "otra semilla tiene la misma estructura, pero otros números."
    ),
    map_title=(
        "{country} (datos sintéticos): {districts} distritos (formas esquemáticas) y "
        "{towers} antenas"
    ),
    longitude="longitud",
    latitude="latitud",
    tower="antena",
    count="{}",
)
WORDS = {"en": ENGLISH, "es": SPANISH}


def docnames() -> list[str]:
    """The generated pages, as ``_toc.yml`` names them: the index first, then one per dataset."""
    return [f"{FOLDER}/index", *(f"{FOLDER}/{name}" for name in synthetic_data.DATASETS)]


def _demote(markdown: str) -> str:
    """Push every heading one level down, so two countries' cards fit under one page title."""
    return re.sub(r"^(#{1,5}) ", r"#\1 ", markdown, flags=re.MULTILINE)


def dataset_page(name: str, seed: int, language: str = "en") -> str:
    words = WORDS[language]
    parts = [
        f"# {synthetic_data.dataset_title(name, language)}",
        "",
        words.page_intro.format(name=name, seed=seed),
        "",
    ]
    for country in COUNTRIES:
        card = synthetic_data.data_card(name, country=country, seed=seed, language=language)
        # The country's card title becomes a section: "## Botswana".
        body = _demote(card).split("\n", 1)[1]
        parts += [f"## {synthetic_data.COUNTRIES[country].name}", body, ""]
    return "\n".join(parts)


def map_alt_text(country: str, seed: int, language: str = "en") -> str:
    districts = synthetic_data.load("districts", country=country, seed=seed)
    towers = synthetic_data.load("mno_towers", country=country, seed=seed)
    per_district = towers["district"].value_counts()
    return WORDS[language].alt.format(
        country=synthetic_data.COUNTRIES[country].name,
        districts=len(districts),
        towers=len(towers),
        top=per_district.index[0],
        top_count=per_district.iloc[0],
        least=per_district.min(),
    )


def map_png(country: str, seed: int, language: str = "en") -> bytes:
    """A small PNG map: districts and towers. Plain colours that survive greyscale printing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    words = WORDS[language]
    fig, ax = plt.subplots(figsize=(6, 6), dpi=100)
    synthetic_data.plot_country(country, ax=ax, seed=seed)
    # The map's own words (title, axes, legend) in the edition's language.
    districts = synthetic_data.load("districts", country=country, seed=seed)
    towers = synthetic_data.load("mno_towers", country=country, seed=seed)
    ax.set_title(
        words.map_title.format(
            country=synthetic_data.COUNTRIES[country].name,
            districts=len(districts),
            towers=words.count.format(len(towers)),
        ),
        fontsize=10,
    )
    ax.set_xlabel(words.longitude)
    ax.set_ylabel(words.latitude)
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles, [words.tower], loc="lower left", fontsize=8)
    ax.set_aspect("equal")
    buffer = io.BytesIO()
    # No "Software" or date metadata: the same data gives the same bytes, so Sphinx skips it.
    fig.savefig(buffer, format="png", bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def index_page(seed: int, language: str = "en") -> str:
    words = WORDS[language]
    lines = [
        f"# {words.title}",
        "",
        words.intro,
        "",
        f"| {words.table[0]} | {words.table[1]} |",
        "|---|---|",
    ]
    for name in synthetic_data.DATASETS:
        title = synthetic_data.dataset_title(name, language)
        lines.append(f"| {{doc}}`{title} <{name}>` | `{name}` |")
    lines += [
        "",
        words.generated.format(seed=seed),
        "",
        f"## {words.maps}",
        "",
        words.maps_intro,
        "",
    ]
    for country in COUNTRIES:
        name = synthetic_data.COUNTRIES[country].name
        lines += [
            f"### {name}",
            "",
            f"```{{figure}} map-{country}.png",
            f":alt: {map_alt_text(country, seed, language)}",
            ":width: 560px",
            "",
            words.caption.format(country=name, seed=seed),
            "```",
            "",
        ]
    return "\n".join(lines)


def write(
    staging: Path, seed: int, write_file: Callable[[Path, bytes], None], language: str = "en"
) -> list[Path]:
    """Write every generated page and map under ``staging``, in ``language`` (the edition's);
    return the paths written."""
    folder = staging / FOLDER
    files = {folder / "index.md": index_page(seed, language).encode("utf-8")}
    for name in synthetic_data.DATASETS:
        files[folder / f"{name}.md"] = dataset_page(name, seed, language).encode("utf-8")
    for country in COUNTRIES:
        files[folder / f"map-{country}.png"] = map_png(country, seed, language)
    for path, data in files.items():
        write_file(path, data)
    return list(files)
