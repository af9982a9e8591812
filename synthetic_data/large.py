"""Writing national-scale (``large``) tables chunk by chunk, so memory stays bounded."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from .cards import card_transactions_chunk, holders_index
from .errors import SyntheticDataError
from .mno import cdr_table, sims
from .sizes import SIZES


def _chunks(name: str, country: str, size: str, seed: int) -> tuple[int, Iterator[pa.Table]]:
    """The number of chunks, and one Arrow table per chunk of SIMs or card holders."""
    step = SIZES[size].chunk_sims
    if name == "mno_cdr":
        n = len(sims(country, size, seed).person)
    elif name == "card_transactions":
        n = len(holders_index(country, size, seed)[0])
    else:
        raise SyntheticDataError(
            f"{name!r} is not available at size {size!r}; build it at size 'small' or "
            "leave it out with --only"
        )
    return -(-n // step), _tables(name, country, size, seed, n, step)


def _tables(name: str, country: str, size: str, seed: int, n: int, step: int):
    if name == "mno_cdr":
        for first in range(0, n, step):
            yield cdr_table(country, size, seed, first, min(n, first + step))
    else:
        done = 0
        for first in range(0, n, step):
            frame = card_transactions_chunk(
                country, size, seed, first, min(n, first + step), id_offset=done
            )
            done += len(frame)
            yield pa.Table.from_pandas(frame, preserve_index=False)


def write_streamed(
    name: str, country: str, size: str, seed: int, path: Path, show_progress: bool = False
) -> int:
    """Write one streamed dataset to Parquet, one row group per chunk; return the row count.

    Only one chunk is in memory at a time, so peak memory depends on the chunk size, not on
    the length of the period or the number of chunks. ``show_progress``: a bar on stderr
    (a national-scale CDR takes minutes).
    """
    rows = 0
    writer = None
    total, tables = _chunks(name, country, size, seed)
    bar = tqdm(total=total, unit="chunk", desc=name, disable=not show_progress, file=sys.stderr)
    try:
        for table in tables:
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table, row_group_size=table.num_rows)
            rows += table.num_rows
            bar.update(1)
            bar.set_postfix_str(f"{rows:,} rows", refresh=False)
    finally:
        bar.close()
        if writer is not None:
            writer.close()
    return rows
