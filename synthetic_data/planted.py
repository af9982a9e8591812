"""Invented behaviour parameters per country: what the generator plants, not facts.

Facts (district populations, capitals, national sex totals) live in ``countries.py``. Everything
here is a modelling choice, documented in the data cards and echoed in ``ground_truth.json`` so
that labs can check learners' estimates against what was planted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Shares per age band (see census.AGE_BANDS). Uruguay's four broad groups are the Censo 2023
# figures (0-14 18.5%, 15-34 28.4%, 35-64 37.6%, 65+ 15.6%); the split inside each broad group
# is ours. Botswana has no age structure in the fact sheet: its profile is schematic.
AGE_PROFILE = {
    "botswana": (0.31, 0.19, 0.18, 0.13, 0.085, 0.055, 0.05),
    "uruguay": (0.185, 0.140, 0.144, 0.136, 0.124, 0.116, 0.156),
}


@dataclass(frozen=True)
class Planted:
    # Census
    female_total: int
    female_source: str
    urban_districts: tuple[str, ...]  # cities/towns or the capital department
    male_heavy_districts: tuple[str, ...] = ()  # mining towns: more men of working age
    rural_share_urban: float = 0.02  # share of residents living rurally, urban districts
    rural_share_other: float = 0.5
    # Mobile ownership: probability = base x sex x age band x (rural factor if rural)
    sim_base: float = 0.95
    sim_sex: dict[str, float] = field(default_factory=dict)
    sim_age: dict[str, float] = field(default_factory=dict)
    sim_rural: float = 0.75
    extra_sims: tuple[float, float] = (0.15, 0.03)  # P(2 SIMs), P(3 SIMs) among owners
    # Card (bank account) ownership, same multiplicative form
    card_base: float = 0.6
    card_sex: dict[str, float] = field(default_factory=dict)
    card_age: dict[str, float] = field(default_factory=dict)
    card_rural: float = 0.6
    # Where people commute to work from nearby districts
    hubs: tuple[str, ...] = ()
    commute_share: float = 0.35
    # Time
    period_start: str = "2024-01-01"
    holidays: tuple[tuple[str, str], ...] = ()
    lockdown_candidates: tuple[str, ...] = ()
    lockdown_days: int = 5
    # Money and rides
    currency: str = "XXX"
    price_scale: float = 1.0  # local currency units per Botswana pula, roughly
    ride_cities: tuple[str, ...] = ()
    # Phone numbers: first digit and allowed second digits of national mobile numbers
    phone_first: int = 7
    phone_second: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)


_AGE_ZERO_CHILDREN = {"0-14": 0.0}

PLANTED: dict[str, Planted] = {
    "botswana": Planted(
        female_total=1_209_001,
        female_source="Statistics Botswana, Census 2022 (female 1,209,001; male 1,150,608)",
        urban_districts=(
            "Gaborone",
            "Francistown",
            "Lobatse",
            "Selebi-Phikwe",
            "Jwaneng",
            "Orapa",
            "Sowa",
        ),
        male_heavy_districts=("Jwaneng", "Orapa", "Sowa", "Selebi-Phikwe"),
        rural_share_urban=0.02,
        rural_share_other=0.55,
        sim_base=0.95,
        # A 13% gap for women, the GSMA 2025 sub-Saharan figure (Botswana is not surveyed).
        # Uncertain: Statistics Botswana's 2014 ICT survey found 55.8% of mobile phone users
        # were women (use, not ownership); the data card says so (card_texts.SEX_GAP_NOTE).
        sim_sex={"F": 0.87, "M": 1.0},
        sim_age={
            **_AGE_ZERO_CHILDREN,
            "15-24": 0.92,
            "25-34": 1.0,
            "35-44": 1.0,
            "45-54": 0.9,
            "55-64": 0.75,
            "65+": 0.5,
        },
        sim_rural=0.7,
        extra_sims=(0.18, 0.04),
        card_base=0.62,
        card_sex={"F": 0.9, "M": 1.0},
        card_age={
            **_AGE_ZERO_CHILDREN,
            "15-24": 0.55,
            "25-34": 1.0,
            "35-44": 1.05,
            "45-54": 1.05,
            "55-64": 0.95,
            "65+": 0.75,
        },
        card_rural=0.55,
        hubs=("Gaborone", "Francistown"),
        period_start="2024-09-16",
        holidays=(("2024-09-30", "Botswana Day"), ("2024-10-01", "Botswana Day holiday")),
        lockdown_candidates=("Francistown", "Kgatleng", "South-East", "Lobatse", "Selebi-Phikwe"),
        currency="BWP",
        price_scale=1.0,
        ride_cities=("Gaborone", "Francistown"),
        phone_first=7,
        phone_second=(1, 2, 3, 4, 5, 6, 7),
    ),
    "uruguay": Planted(
        # 52.3% women (the census sex variable, as reported by Búsqueda); INE's 52.8% counts
        # gender identity. round(0.523 x 3,499,451) = 1,830,213.
        female_total=1_830_213,
        female_source=(
            "52.3% of 3,499,451 (Censo 2023 sex variable as reported by Búsqueda); INE's 52.8% "
            "is by gender identity and is not used"
        ),
        urban_districts=("Montevideo",),
        rural_share_urban=0.01,
        rural_share_other=0.058,  # gives about 4% rural nationally, the Censo 2023 figure
        sim_base=0.97,
        sim_sex={"F": 0.97, "M": 1.0},
        sim_age={
            **_AGE_ZERO_CHILDREN,
            "15-24": 0.97,
            "25-34": 1.0,
            "35-44": 1.0,
            "45-54": 0.97,
            "55-64": 0.9,
            "65+": 0.7,
        },
        sim_rural=0.8,
        extra_sims=(0.12, 0.02),
        card_base=0.8,
        # Findex 2017 Uruguay: women 60.6% vs 64% overall (roughly a 0.93 factor).
        card_sex={"F": 0.93, "M": 1.0},
        card_age={
            **_AGE_ZERO_CHILDREN,
            "15-24": 0.6,
            "25-34": 0.95,
            "35-44": 1.0,
            "45-54": 1.0,
            "55-64": 1.0,
            "65+": 0.85,
        },
        card_rural=0.7,
        hubs=("Montevideo",),
        period_start="2024-07-08",
        holidays=(("2024-07-18", "Jura de la Constitución"),),
        lockdown_candidates=("Salto", "Paysandú", "Rivera", "Colonia", "Tacuarembó"),
        currency="UYU",
        price_scale=3.0,
        ride_cities=("Montevideo", "Maldonado"),
        phone_first=9,
        phone_second=(1, 2, 3, 4, 5, 6, 7, 8, 9),
    ),
}
