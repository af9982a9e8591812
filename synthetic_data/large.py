"""Writing national-scale (``large``) tables chunk by chunk, so memory stays bounded."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .errors import SyntheticDataError
from .mno import cdr_chunk, sims
from .sizes import SIZES


def write_streamed(name: str, country: str, size: str, seed: int, path: Path) -> int:
    """Write one streamed dataset to Parquet, one row group per chunk; return the row count."""
    if name != "mno_cdr":
        raise SyntheticDataError(
            f"{name!r} is not available at size {size!r} yet; build it at size 'small' or "
            "leave it out with --only"
        )
    n = len(sims(country, size, seed).person)
    step = SIZES[size].chunk_sims
    rows = 0
    writer = None
    try:
        for first in range(0, n, step):
            table = pa.Table.from_pandas(
                cdr_chunk(country, size, seed, first, min(n, first + step)), preserve_index=False
            )
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table)
            rows += table.num_rows
    finally:
        if writer is not None:
            writer.close()
    return rows
