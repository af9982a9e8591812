"""Command line: ``python -m synthetic_data build ...`` (a thin layer over the library)."""

from __future__ import annotations

import sys

import click

from . import COUNTRIES, DATASETS, DEFAULT_SEED, SIZES, SyntheticDataError, data_card
from . import build as build_data

# Plain strings, not click.Choice: the library checks values, so the CLI and Python users get
# the same "what is wrong, what to do" message.
_country = click.option(
    "--country", default="botswana", show_default=True, help=f"One of: {', '.join(COUNTRIES)}."
)
_seed = click.option(
    "--seed",
    type=int,
    default=DEFAULT_SEED,
    show_default=True,
    help="Cohort seed: a different seed gives different numbers with the same structure.",
)


def _fail(exc: SyntheticDataError) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Generate the course's synthetic datasets (no real person is in them)."""


@main.command()
@_country
@click.option(
    "--size",
    default="small",
    show_default=True,
    help=f"One of: {', '.join(SIZES)}. small: seconds, CSV; large: national scale, Parquet "
    "written in chunks (2-4 minutes, up to about 2.5 GB of memory and 1-2.5 GB of disk per country).",
)
@_seed
@click.option(
    "--only",
    "names",
    multiple=True,
    help=f"Build only this dataset (repeatable). Datasets: {', '.join(DATASETS)}.",
)
@click.option("--out", required=True, type=click.Path(), help="Output folder (replaced whole).")
def build(country: str, size: str, seed: int, names: tuple[str, ...], out: str) -> None:
    """Write datasets, data cards, ground_truth.json and manifest.json (with sha256) to OUT."""
    try:
        manifest = build_data(
            out,
            country=country,
            size=size,
            seed=seed,
            names=list(names) or None,
            progress=lambda line: click.echo(line, err=True),
        )
    except SyntheticDataError as exc:
        _fail(exc)
    datasets = {f["dataset"] for f in manifest["files"].values() if "dataset" in f}
    click.echo(f"wrote {len(datasets)} datasets for {country} (size {size}, seed {seed}) to {out}")


@main.command()
@click.argument("name")
@_country
@_seed
@click.option(
    "--language",
    type=click.Choice(["en", "es"]),
    default="en",
    show_default=True,
    help="Language of the card (es: the Spanish edition's).",
)
def card(name: str, country: str, seed: int, language: str) -> None:
    """Print the data card (MyST markdown) of dataset NAME."""
    try:
        click.echo(data_card(name, country=country, seed=seed, language=language), nl=False)
    except SyntheticDataError as exc:
        _fail(exc)


@main.command(name="list")
def list_datasets() -> None:
    """List the datasets and their titles."""
    for name, spec in DATASETS.items():
        click.echo(f"{name:20} {spec.title}")
