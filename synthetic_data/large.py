"""Writing national-scale (``large``) tables chunk by chunk, so memory stays bounded."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .cards import card_transactions_chunk, holders_index
from .errors import SyntheticDataError
from .mno import cdr_table, sims
from .sizes import SIZES


def _chunks(name: str, country: str, size: str, seed: int):
    """Yield one Arrow table per chunk of SIMs or card holders."""
    step = SIZES[size].chunk_sims
    if name == "mno_cdr":
        n = len(sims(country, size, seed).person)
        for first in range(0, n, step):
            yield cdr_table(country, size, seed, first, min(n, first + step))
    elif name == "card_transactions":
        n = len(holders_index(country, size, seed)[0])
        done = 0
        for first in range(0, n, step):
            frame = card_transactions_chunk(
                country, size, seed, first, min(n, first + step), id_offset=done
            )
            done += len(frame)
            yield pa.Table.from_pandas(frame, preserve_index=False)
    else:
        raise SyntheticDataError(
            f"{name!r} is not available at size {size!r}; build it at size 'small' or "
            "leave it out with --only"
        )


def write_streamed(name: str, country: str, size: str, seed: int, path: Path) -> int:
    """Write one streamed dataset to Parquet, one row group per chunk; return the row count.

    Only one chunk is in memory at a time, so peak memory depends on the chunk size, not on
    the length of the period or the number of chunks.
    """
    rows = 0
    writer = None
    try:
        for table in _chunks(name, country, size, seed):
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table, row_group_size=table.num_rows)
            rows += table.num_rows
    finally:
        if writer is not None:
            writer.close()
    return rows
