"""Write datasets to a folder with their data cards, ground truth and a manifest (``build``)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio

from .data_cards import data_card
from .errors import SyntheticDataError
from .ground_truth import ground_truth
from .large import write_streamed
from .loading import load
from .registry import DATASETS, GENERATOR_VERSION, check_args, resolve_seed

# GeoPackage stores a "last change" timestamp; pinning it keeps the file byte-identical.
GPKG_DATE = "2024-01-01T00:00:00.000Z"


def _write_table(frame: pd.DataFrame, path: Path) -> None:
    if path.suffix == ".gpkg":
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_DATE})
        try:
            frame.to_file(path, driver="GPKG", layer=path.stem, engine="pyogrio")
        finally:
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
    elif path.suffix == ".parquet":
        frame.to_parquet(path, index=False, compression="zstd")
    else:
        frame.to_csv(path, index=False, lineterminator="\n", date_format="%Y-%m-%d %H:%M:%S")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build(
    out: str | os.PathLike,
    country: str = "botswana",
    size: str = "small",
    seed: int | None = None,
    names: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write datasets, their data cards, ``ground_truth.json`` and ``manifest.json`` to ``out``.

    Returns the manifest. ``progress``, if given, is called with a line per dataset (a
    national-scale build takes minutes). Files are written into a hidden sibling folder and moved into place
    only when everything succeeded, so a failed build never leaves a folder that looks complete.
    """
    seed = resolve_seed(seed)
    names = sorted(DATASETS) if names is None else list(names)
    if not names:
        raise SyntheticDataError("no datasets chosen; leave out --only to build all of them")
    for name in names:
        check_args(name, country, size, seed)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise SyntheticDataError(f"{out} exists and is not a folder; choose another --out")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-building-", dir=out.parent))
    except OSError as exc:
        raise SyntheticDataError(
            f"cannot write to {out.parent}: {exc.strerror}; choose a folder you can write to"
        ) from exc
    try:
        files = {}
        for name in sorted(names):
            spec = DATASETS[name]
            if progress is not None:
                progress(f"{name}: generating and writing ({size})")
            if spec.geometry:
                path = staging / f"{name}.gpkg"
            else:
                path = staging / f"{name}.{'csv' if size == 'small' else 'parquet'}"
            if size != "small" and spec.streamed:
                rows = write_streamed(
                    name, country, size, seed, path, show_progress=progress is not None
                )
            else:
                frame = load(name, country, size, seed)
                _write_table(frame, path)
                rows = len(frame)
                del frame  # before the next table is generated: bounds memory at size large
            card = staging / f"{name}.md"
            card.write_text(data_card(name, country, seed, size, rows=rows), encoding="utf-8")
            files[path.name] = {"dataset": name, "rows": int(rows), "sha256": _sha256(path)}
            files[card.name] = {"dataset": name, "sha256": _sha256(card)}
        if progress is not None:
            progress("ground_truth.json and manifest.json")
        truth = staging / "ground_truth.json"
        truth.write_text(
            json.dumps(ground_truth(country, size, seed), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        files[truth.name] = {"sha256": _sha256(truth)}
        manifest = {
            "generator": "synthetic_data",
            "generator_version": GENERATOR_VERSION,
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "country": country,
            "size": size,
            "seed": seed,
            "synthetic": True,
            "files": files,
        }
        (staging / "manifest.json").write_text(
            json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        # Swap into place: the old folder goes only once the new one is complete.
        if out.exists():
            old = out.with_name(f".{out.name}-old")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
            staging.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(out)
    except OSError as exc:
        raise SyntheticDataError(
            f"could not write the build to {out}: {exc}; check free space and permissions"
        ) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest
