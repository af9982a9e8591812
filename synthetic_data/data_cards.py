"""Data cards: one MyST page per dataset (plain markdown, rendered in the book's appendix)."""

from __future__ import annotations

import math

from . import mno, mobility
from .auxiliary import CROWD
from .card_language import translator
from .card_texts import CARDS, DISCLAIMER, PHRASES, SEX_GAP_NOTE
from .census import AGE_BANDS
from .countries import COUNTRIES
from .geography import geography
from .ground_truth import ground_truth
from .loading import load
from .names import LOCALES
from .planted import AGE_PROFILE, PLANTED
from .registry import DATASETS, GENERATOR_VERSION, check_args, resolve_seed
from .sizes import SIZES
from .unicity import RESOLUTIONS


def templates() -> list[str]:
    """Every English text a card may show, as its translations are keyed (a translation
    catalogue must have each one, with the same ``{fields}``)."""
    found = [DISCLAIMER, *SEX_GAP_NOTE.values(), *PHRASES.values()]
    found += [spec.title for spec in DATASETS.values()]
    found += [planted.female_source for planted in PLANTED.values()]
    for purpose, columns, patterns, how in CARDS.values():
        found += [purpose, *(t for _, typ, text in columns for t in (typ, text)), *patterns, how]
    return list(dict.fromkeys(found))


def dataset_title(name: str, language: str = "en") -> str:
    """A dataset's title in ``language`` (``DATASETS[name].title`` is the English one)."""
    return translator(language)(DATASETS[name].title)


def _count(n: int, language: str) -> str:
    # English groups thousands with commas. The Spanish cards keep Python's decimal point in
    # every number the generator formats (shares, factors, coordinates), so a Uruguayan
    # thousands dot would make "1.234" ambiguous: Spanish counts stay plain digits.
    return f"{n:,}" if language == "en" else str(n)


def _fmt(d: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in d.items())


def _facts(country: str, seed: int, size: str, language: str = "en") -> dict:
    tr = translator(language)
    c = COUNTRIES[country]
    p = PLANTED[country]
    truth = ground_truth(country, size, seed)
    lock = truth["anomalies"]["lockdown"]
    uniq = {
        resolution: ", ".join(f"p={p} {v['share']:.1%}" for p, v in curve.items())
        for resolution, curve in truth["uniqueness"].items()
        if resolution in RESOLUTIONS
    }
    moves = truth["mobility"]
    profile = ", ".join(
        f"{b} {s:.1%}" for b, s in zip(AGE_BANDS, AGE_PROFILE[country], strict=True)
    )
    crowd = truth["uniqueness"]
    return {
        "female_source": tr(p.female_source),
        "age_note": tr(PHRASES[f"age_note_{country}"]).format(profile=profile),
        "age_bands": ", ".join(f"`{b}`" for b in AGE_BANDS),
        "phone_note": tr(PHRASES[f"phone_note_{country}"]),
        "locale": LOCALES[country],
        "towers": SIZES[size].towers,
        "merchants": SIZES[size].merchants,
        "sim_base": p.sim_base,
        "sim_sex": _fmt(p.sim_sex),
        "sim_age": _fmt(p.sim_age),
        "sim_rural": p.sim_rural,
        "p2": p.extra_sims[0],
        "p3": p.extra_sims[1],
        "card_base": p.card_base,
        "card_sex": _fmt(p.card_sex),
        "card_age": _fmt(p.card_age),
        "card_rural": p.card_rural,
        "hubs": tr(PHRASES["and"]).join(p.hubs),
        "cdr_per_day": SIZES[size].calls_per_day,
        "contacts": 8,
        "holidays": "; ".join(f"{h['date']} ({h['name']})" for h in truth["anomalies"]["holidays"]),
        "lockdown": tr(PHRASES["lockdown"]).format(
            district=lock["district"], start=lock["start"], end=lock["end"]
        ),
        "lockdown_district": lock["district"],
        "uniq_fine": uniq["tower x hour"],
        "uniq_coarse": uniq["district x day"],
        "crowd": (
            _count(crowd["crowd_sims"], language)
            if crowd["measured_sims"] == crowd["crowd_sims"]
            else tr(PHRASES["crowd"]).format(
                measured=_count(crowd["measured_sims"], language),
                crowd=_count(crowd["crowd_sims"], language),
            )
        ),
        "crowd_min": CROWD,
        "active_b": f"{mno.ACTIVE_DAYS_B:g}",
        "active_mobile": f"{mno.ACTIVE_MOBILE:g}",
        "active_days": f"{moves['active_days_per_sim']['0.5']:g}",
        "silent": f"{1 - moves['sims_with_events']['share']:.0%}",
        "night_home": f"{moves['share_of_night_events_at_home_towers']['share']:.0%}",
        "away_days": f"{moves['share_of_active_sim_days_outside_home_district']['share']:.0%}",
        "away_events": f"{moves['share_of_events_outside_home_district']['share']:.0%}",
        "rg_median": f"{moves['radius_of_gyration_km']['0.5']:.0f}",
        "rg_90": f"{moves['radius_of_gyration_km']['0.9']:.0f}",
        "rg0": f"{mobility.RG0_KM:g}",
        "beta_r": f"{mobility.BETA_R:g}",
        "kappa": f"{mobility.KAPPA_KM:g}",
        "gravity": f"{mobility.GRAVITY_EXPONENT:g}",
        "rho": f"{mobility.RHO:g}",
        "gamma": f"{mobility.GAMMA:g}",
        "zeta": f"{mobility.ZETA:g}",
        "spread": f"{mobility.SPREAD:g}",
        "spread_median": f"{math.exp(-(mobility.SPREAD**2) / 2):.2f}",
        "sex_gap_note": tr(SEX_GAP_NOTE[country]).format(women=p.sim_sex["F"]),
        "stay_on": f"{mobility.STAY_ON:g}",
        "overnight_work": f"{mobility.OVERNIGHT['workday']:g}",
        "overnight_rest": f"{mobility.OVERNIGHT['restday']:g}",
        **{
            f"{kind}_{day}": f"{table[key]:.0%}"
            for kind, table in (("trip", mobility.TRIP), ("errand", mobility.ERRAND))
            for day, key in (("work", "workday"), ("worker", "workday_worker"), ("rest", "restday"))
        },
        "currency": p.currency,
        "ride_cities": ", ".join(p.ride_cities),
        "country": c.name,
    }


def data_card(
    name: str,
    country: str = "botswana",
    seed: int | None = None,
    size: str = "small",
    rows: int | None = None,
    language: str = "en",
) -> str:
    """The data card of one dataset as a MyST markdown page (one ``#`` title, plain markdown).

    ``rows`` is the row count when the caller already knows it (``build`` does), so the
    dataset is not generated again just to count it. ``language`` is ``"en"`` or ``"es"``
    (the Spanish edition's card; names of columns, code and places stay as they are).
    """
    seed = resolve_seed(seed)
    check_args(name, country, size, seed)
    tr = translator(language)
    purpose, columns, patterns, how = CARDS[name]
    facts = _facts(country, seed, size, language)
    c = COUNTRIES[country]
    anchors_moved = [
        d
        for d, (lon, lat) in zip(
            c.district_table()["district"], geography(country).anchors, strict=True
        )
        if (lon, lat) != tuple(c.district_table().set_index("district").loc[d, ["lon", "lat"]])
    ]
    streamed = size != "small" and DATASETS[name].streamed
    if rows is not None:
        rows = _count(rows, language)
    elif not streamed:
        rows = _count(len(load(name, country, size, seed)), language)
    else:
        rows = tr(PHRASES["rows_unknown"])
    where = {"name": name, "country": country, "size": size, "seed": seed}
    lines = [
        "# " + tr(PHRASES["title"]).format(title=tr(DATASETS[name].title), country=c.name),
        "",
        tr(DISCLAIMER),
        "",
        "- " + tr(PHRASES["facts"]).format(**where | {"country": c.name}, rows=rows),
        "- " + tr(PHRASES["read" if streamed else "load"]).format(**where),
        "- " + tr(PHRASES["version"]).format(version=GENERATOR_VERSION),
        "",
        "## " + tr(PHRASES["purpose"]),
        "",
        tr(purpose),
        "",
        "## " + tr(PHRASES["codebook"]),
        "",
        "| " + " | ".join(tr(PHRASES[k]) for k in ("column", "type", "meaning")) + " |",
        "|---|---|---|",
        *[f"| `{col}` | {tr(typ)} | {tr(text).format(**facts)} |" for col, typ, text in columns],
        "",
        "## " + tr(PHRASES["patterns"]),
        "",
        *[f"- {tr(p).format(**facts)}" for p in patterns],
        "- " + tr(PHRASES["ground_truth"]),
        "",
        "## " + tr(PHRASES["how"]),
        "",
        tr(how).format(**facts),
        "",
        *(
            [
                tr(PHRASES["chunks"]).format(
                    size=size,
                    chunk=_count(SIZES[size].chunk_sims, language),
                    unit=tr(PHRASES[f"unit_{name}"]),
                ),
                "",
            ]
            if streamed
            else []
        ),
        tr(PHRASES["seeds"]),
        "",
        "## " + tr(PHRASES["provenance"]),
        "",
        "- " + tr(PHRASES[f"census_{country}"]).format(country=c.name, year=c.census_year),
        "- "
        + tr(PHRASES["shapes"])
        + (tr(PHRASES["moved"]).format(moved=", ".join(anchors_moved)) if anchors_moved else ""),
        "- " + tr(PHRASES["behaviour"]),
        "- " + tr(PHRASES[f"names_{country}"]).format(locale=facts["locale"]),
        "",
    ]
    return "\n".join(lines)
