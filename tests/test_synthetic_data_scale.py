"""The chunked (national-scale) writer, on a tiny "large-like" size, and the country map.

The real ``large`` size takes minutes and gigabytes, so it is never run here: a test-only size
with small chunks goes through exactly the same code path (Parquet, one row group per chunk).
"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from matplotlib.figure import Figure

import synthetic_data as sd
from synthetic_data.cards import holders_index
from synthetic_data.mno import cdr_chunk, sims
from synthetic_data.sizes import SIZES, SizeSpec

TINY = SizeSpec(
    persons=3_000,
    towers=80,
    merchants=150,
    days=14,
    calls_per_day=3.0,
    card_tx_per_day=0.6,
    rides_per_day=0.25,
    chunk_sims=400,
)
STREAMED = ["card_transactions", "mno_cdr"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A build at the test-only size "tiny": same code path as ``large``, seconds not minutes."""
    root = tmp_path_factory.mktemp("tiny")
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(SIZES, "tiny", TINY)
        first = sd.build(root / "a", country="botswana", size="tiny", names=STREAMED)
        again = sd.build(root / "b", country="botswana", size="tiny", names=STREAMED)
        yield root, first, again


def test_streamed_build_is_deterministic_parquet(tiny):
    root, first, again = tiny
    assert first == again
    assert {"mno_cdr.parquet", "card_transactions.parquet"} <= first["files"].keys()
    for name in ("mno_cdr.parquet", "card_transactions.parquet"):
        assert pq.ParquetFile(root / "a" / name).metadata.num_rows == first["files"][name]["rows"]
        card = (root / "a" / name.replace(".parquet", ".md")).read_text(encoding="utf-8")
        assert "one row group per chunk" in card
        assert "synthetic_data.load(" not in card  # it cannot be loaded whole: say how to read it


def test_cdr_is_written_one_bounded_chunk_at_a_time(tiny):
    root, _, _ = tiny
    n_sims = len(sims("botswana", "tiny", sd.DEFAULT_SEED).person)
    assert n_sims > 3 * TINY.chunk_sims  # several chunks, or this test proves nothing
    parquet = pq.ParquetFile(root / "a" / "mno_cdr.parquet")
    assert parquet.num_row_groups == math.ceil(n_sims / TINY.chunk_sims)
    phones = sims("botswana", "tiny", sd.DEFAULT_SEED).phone
    for group in range(parquet.num_row_groups):
        part = parquet.read_row_group(group).to_pandas()
        # Each row group holds only its own chunk's callers, in time order.
        chunk = phones[group * TINY.chunk_sims : (group + 1) * TINY.chunk_sims]
        assert set(part["caller"]) <= set(chunk)
        assert part["timestamp"].is_monotonic_increasing
    # The file holds exactly what the in-memory generator gives for the same chunk.
    last = parquet.num_row_groups - 1
    expected = cdr_chunk(
        "botswana", "tiny", sd.DEFAULT_SEED, last * TINY.chunk_sims, n_sims
    ).astype({"timestamp": "datetime64[ms]"})
    got = parquet.read_row_group(last).to_pandas()
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_card_transactions_are_chunked_with_global_ids(tiny):
    root, _, _ = tiny
    n_holders = len(holders_index("botswana", "tiny", sd.DEFAULT_SEED)[0])
    parquet = pq.ParquetFile(root / "a" / "card_transactions.parquet")
    assert parquet.num_row_groups == math.ceil(n_holders / TINY.chunk_sims) > 1
    ids = parquet.read(columns=["transaction_id"]).column(0).to_pylist()
    assert ids == [f"T{i:07d}" for i in range(1, len(ids) + 1)]


def test_small_card_transactions_are_one_chunk():
    # Chunk 0 keeps the original stream: the small table is the one-chunk case.
    frame = sd.load("card_transactions", country="uruguay")
    assert frame["transaction_id"].is_unique
    assert frame["timestamp"].is_monotonic_increasing


@pytest.mark.parametrize("country", sorted(sd.COUNTRIES))
def test_plot_country_draws_districts_and_towers(country):
    fig = Figure()
    ax = fig.subplots()
    assert sd.plot_country(country, ax=ax) is ax
    towers = sd.load("mno_towers", country=country)
    districts = sd.load("districts", country=country)
    drawn = [c.get_offsets() for c in ax.collections if len(c.get_offsets()) == len(towers)]
    assert any(np.allclose(xy, towers[["lon", "lat"]].to_numpy()) for xy in drawn), (
        "every tower is drawn at its coordinates"
    )
    shapes = sum(len(c.get_paths()) for c in ax.collections)
    assert shapes >= len(districts) + 1
    assert sorted(t.get_text() for t in ax.texts) == sorted(districts["district"])
    assert sd.COUNTRIES[country].name in ax.get_title()
    fig.savefig(io.BytesIO(), format="png")  # it renders


@pytest.mark.parametrize("country", sorted(sd.COUNTRIES))
def test_map_labels_overlap_neither_each_other_nor_towers(country):
    """As the book's data appendix draws it: a 6 x 6 inch figure, equal degrees."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=(6, 6), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    sd.plot_country(country, ax=ax)
    ax.set_aspect("equal")  # what the appendix does after drawing: labels must stay valid
    fig.draw_without_rendering()
    boxes = [t.get_bbox_patch().get_window_extent() for t in ax.texts]
    for i, box in enumerate(boxes):
        assert not any(box.overlaps(other) for other in boxes[i + 1 :]), ax.texts[i].get_text()
    towers = sd.load("mno_towers", country=country)[["lon", "lat"]].to_numpy()
    for x, y in ax.transData.transform(towers):
        assert not any(box.contains(x, y) for box in boxes)
    tower_layer = max(c.get_zorder() for c in ax.collections)
    assert all(t.get_zorder() > tower_layer for t in ax.texts)  # drawn above the towers


def test_plot_country_new_figure_and_bad_country():
    import matplotlib.pyplot as plt

    ax = sd.plot_country("botswana", labels=False)
    try:
        assert not ax.texts
    finally:
        plt.close(ax.figure)
    with pytest.raises(sd.SyntheticDataError, match="unknown country"):
        sd.plot_country("narnia")
