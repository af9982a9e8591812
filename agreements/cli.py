"""Command line: ``python -m agreements COMMAND`` (thin over the library)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .findings import has_errors
from .release import check_release, load_release
from .validate import check_file, load_agreement


def _report(name: str, findings) -> None:
    if not findings:
        click.echo(f"{name}: OK")
    for finding in findings:
        click.echo(f"{name}: {finding}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Check data-sharing agreements (YAML) and proposed releases against them."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def check(files: tuple[Path, ...]) -> None:
    """Check agreement FILES against the schema and the cross-field rules.

    Prints one line per finding. Exits with 1 if any file has an error (warnings alone
    exit with 0).
    """
    failed = False
    for path in files:
        findings = check_file(path)
        _report(str(path), findings)
        failed = failed or has_errors(findings)
    sys.exit(1 if failed else 0)


@main.command("check-release")
@click.argument("releases", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--agreement",
    "agreement_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The agreement (YAML) whose publication rules and term apply.",
)
def check_release_command(releases: tuple[Path, ...], agreement_path: Path) -> None:
    """Check proposed RELEASES (YAML naming a CSV table) against an agreement.

    Exits with 1 if any release breaks the agreement or cannot be read.
    """
    agreement, findings = load_agreement(agreement_path)
    if agreement is None:
        _report(str(agreement_path), findings)
        sys.exit(1)
    failed = False
    for path in releases:
        release, findings = load_release(path)
        if release is not None:
            findings = check_release(release, agreement)
        _report(str(path), findings)
        failed = failed or has_errors(findings)
    sys.exit(1 if failed else 0)


@main.command("make-releases")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("agreements/samples/releases"),
    show_default=True,
    help="Folder for the release files (YAML + CSV).",
)
@click.option("--seed", type=click.IntRange(min=0), help="Seed of the synthetic data.")
def make_releases(out: Path, seed: int | None) -> None:
    """Write the labs' candidate releases, made from synthetic Botswana subscribers."""
    import synthetic_data

    from .candidates import candidate_releases, write_releases

    subscribers = synthetic_data.load(
        "mno_subscribers", country="botswana", size="small", seed=seed
    )
    written = write_releases(candidate_releases(subscribers), out)
    click.echo(f"wrote {len(written)} files to {out}")
