"""Command line: ``python -m synthetic_data build ...`` (a thin layer over ``build``)."""

from __future__ import annotations

import sys

import click

from . import COUNTRIES, DATASETS, DEFAULT_SEED, SIZES, SyntheticDataError
from . import build as build_data


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Generate the course's synthetic datasets (no real person is in them)."""


@main.command()
@click.option("--country", type=click.Choice(sorted(COUNTRIES)), default="botswana")
@click.option("--size", type=click.Choice(list(SIZES)), default="small")
@click.option("--seed", type=click.IntRange(min=0), default=DEFAULT_SEED, show_default=True)
@click.option("--only", "names", multiple=True, type=click.Choice(sorted(DATASETS)))
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Output folder.")
def build(country: str, size: str, seed: int, names: tuple[str, ...], out: str) -> None:
    """Write datasets, data cards and a manifest (with sha256 of each file) to OUT."""
    try:
        manifest = build_data(out, country=country, size=size, seed=seed, names=list(names) or None)
    except SyntheticDataError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"wrote {len(manifest['files'])} datasets to {out}")
