"""How big each size is. ``small`` is for labs on a laptop; ``large`` is national scale."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SizeSpec:
    persons: int | None  # people sampled from the census; None = the whole census population
    towers: int
    merchants: int
    days: int
    calls_per_day: float  # mean events per SIM per day, before weekly and daily rhythm
    card_tx_per_day: float
    rides_per_day: float
    chunk_sims: int  # SIMs per CDR chunk: bounds memory when writing large outputs


SIZES: dict[str, SizeSpec] = {
    "small": SizeSpec(
        persons=6_000,
        towers=150,
        merchants=400,
        days=21,
        calls_per_day=3.0,
        card_tx_per_day=0.6,
        rides_per_day=0.25,
        chunk_sims=1_000_000,
    ),
    "large": SizeSpec(
        persons=None,
        towers=3_000,
        merchants=40_000,
        days=28,
        calls_per_day=3.0,
        card_tx_per_day=0.6,
        rides_per_day=0.25,
        chunk_sims=50_000,
    ),
}
