"""Contracts of the synthetic_data package that labs and the course build rely on."""

from __future__ import annotations

import importlib
import json
import re
import sqlite3
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import synthetic_data as sd
from synthetic_data.auxiliary import CROWD
from synthetic_data.countries import COUNTRIES
from synthetic_data.mno import sims

COUNTRY_KEYS = sorted(sd.COUNTRIES)

COLUMNS = {
    "census": ["district", "sex", "age_band", "population"],
    "mno_subscribers": [
        "sim_id",
        "phone_number",
        "age",
        "sex",
        "home_district",
        "home_tower_id",
        "work_tower_id",
    ],
    "mno_towers": ["tower_id", "district", "lat", "lon"],
    "mno_cdr": ["caller", "callee", "timestamp", "tower_id", "duration_s", "type"],
    "card_holders": ["card_id", "age", "sex", "district"],
    "card_merchants": ["merchant_id", "category", "district", "lat", "lon"],
    "card_transactions": ["card_id", "merchant_id", "timestamp", "amount"],
    "ride_trips": [
        "rider_id",
        "driver_id",
        "pickup_time",
        "dropoff_time",
        "pickup_lat",
        "pickup_lon",
        "dropoff_lat",
        "dropoff_lon",
        "fare",
    ],
    "auxiliary": ["aux_id", "name", "kind", "lat", "lon", "time"],
    "districts": ["district", "population", "geometry"],
}
PHONE_PLAN = {"botswana": r"7[0-9]{7}", "uruguay": r"9[0-9]{7}"}


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Two builds of each country with the default seed, and one with another seed."""
    root = tmp_path_factory.mktemp("builds")
    out = {}
    for country in COUNTRY_KEYS:
        out[country, "a"] = sd.build(root / f"{country}-a", country=country)
        out[country, "b"] = sd.build(root / f"{country}-b", country=country)
    out["botswana", "seed7"] = sd.build(root / "botswana-7", country="botswana", seed=7)
    out["root"] = root
    return out


@pytest.mark.parametrize("country", COUNTRY_KEYS)
def test_same_seed_gives_byte_identical_manifest(builds, country):
    a, b = builds[country, "a"], builds[country, "b"]
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    on_disk = (builds["root"] / f"{country}-a" / "manifest.json").read_bytes()
    assert on_disk == (builds["root"] / f"{country}-b" / "manifest.json").read_bytes()
    assert {f["dataset"] for f in a["files"].values() if "dataset" in f} == set(sd.DATASETS)
    assert "districts.gpkg" in a["files"]  # GeoPackage bytes are pinned too
    assert a["seed"] == sd.DEFAULT_SEED
    assert a["generator_version"] == sd.GENERATOR_VERSION


def test_different_seed_changes_numbers_not_structure(builds):
    a, c = builds["botswana", "a"], builds["botswana", "seed7"]
    assert a["files"].keys() == c["files"].keys()
    assert a["files"]["mno_cdr.csv"]["sha256"] != c["files"]["mno_cdr.csv"]["sha256"]
    # The census is the published benchmark: it must not move with the cohort seed.
    assert a["files"]["census.csv"]["sha256"] == c["files"]["census.csv"]["sha256"]
    x, y = sd.load("mno_subscribers"), sd.load("mno_subscribers", seed=7)
    assert list(x.columns) == list(y.columns)
    assert not x["phone_number"].head(50).equals(y["phone_number"].head(50))


@pytest.mark.parametrize("country", COUNTRY_KEYS)
def test_manifest_hashes_and_rows_match_files(builds, country):
    import hashlib

    folder = builds["root"] / f"{country}-a"
    manifest = builds[country, "a"]
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == entry["sha256"]
        if name.endswith(".csv"):
            assert len(pd.read_csv(folder / name)) == entry["rows"]
    assert not [p for p in builds["root"].iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("country", COUNTRY_KEYS)
@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_schema_contract(country, name):
    frame = sd.load(name, country=country)
    assert set(COLUMNS[name]) <= set(frame.columns)
    assert len(frame) > 0
    if name == "districts":
        assert isinstance(frame, gpd.GeoDataFrame)
        assert frame.crs.to_epsg() == 4326
        assert frame.geometry.is_valid.all()
        assert not frame.geometry.is_empty.any()
    districts = set(COUNTRIES[country].district_table()["district"])
    for col in ("district", "home_district"):
        if col in frame:
            assert set(frame[col]) <= districts
    if "sex" in frame:
        assert set(frame["sex"]) <= {"F", "M"}


@pytest.mark.parametrize("country", COUNTRY_KEYS)
def test_subscriber_and_cdr_contracts(country):
    subs = sd.load("mno_subscribers", country=country)
    cdr = sd.load("mno_cdr", country=country)
    towers = sd.load("mno_towers", country=country)
    assert subs["sim_id"].is_unique
    assert subs["phone_number"].is_unique
    assert subs["phone_number"].str.fullmatch(PHONE_PLAN[country]).all()
    assert pd.api.types.is_integer_dtype(subs["age"])
    assert subs["age"].min() >= 15
    assert set(subs["home_tower_id"]) <= set(towers["tower_id"])
    assert set(cdr["caller"]) <= set(subs["phone_number"])
    assert set(cdr["tower_id"]) <= set(towers["tower_id"])
    assert set(cdr["type"]) == {"call", "sms"}
    assert (cdr.loc[cdr["type"] == "sms", "duration_s"] == 0).all()
    assert cdr["timestamp"].is_monotonic_increasing
    # Small stays small: a lab loads it in well under a few seconds.
    assert 2_000 <= len(subs) <= 5_000
    assert len(cdr) <= 400_000


def test_load_returns_copies_and_is_deterministic():
    a = sd.load("mno_cdr")
    a.loc[0, "caller"] = "tampered"
    b = sd.load("mno_cdr")
    assert b.loc[0, "caller"] != "tampered"
    assert b.equals(sd.load("mno_cdr", seed=sd.DEFAULT_SEED))


@pytest.mark.parametrize("country", COUNTRY_KEYS)
def test_census_totals_exact(country):
    census = sd.load("census", country=country)
    facts = COUNTRIES[country].district_table().set_index("district")["population"]
    by_district = census.groupby("district")["population"].sum()
    assert (by_district.reindex(facts.index) == facts).all()
    assert census["population"].sum() == COUNTRIES[country].total_population
    assert set(census["age_band"]) == set(sd.AGE_BANDS)
    sexes = census.groupby("sex")["population"].sum()
    if country == "botswana":
        assert sexes.to_dict() == {"F": 1_209_001, "M": 1_150_608}
    else:
        assert sexes["F"] == round(0.523 * 3_499_451)


def test_uruguay_broad_age_shares_match_census_2023():
    census = sd.load("census", country="uruguay")
    broad = {"0-14": "0-14", "15-24": "15-34", "25-34": "15-34", "65+": "65+"}
    groups = census.assign(g=census["age_band"].map(broad).fillna("35-64"))
    shares = groups.groupby("g")["population"].sum() / census["population"].sum()
    expected = {"0-14": 0.185, "15-34": 0.284, "35-64": 0.376, "65+": 0.156}
    for group, share in expected.items():
        assert shares[group] == pytest.approx(share, abs=0.001)


def test_age_band_helper_bins_subscriber_ages():
    assert list(sd.age_band([0, 14, 15, 34, 35, 64, 65, 101])) == [
        "0-14",
        "0-14",
        "15-24",
        "25-34",
        "35-44",
        "55-64",
        "65+",
        "65+",
    ]
    subs = sd.load("mno_subscribers")
    bands = sd.age_band(subs["age"])
    assert bands.index.equals(subs.index)
    assert set(bands) <= set(sd.AGE_BANDS)
    with pytest.raises(sd.SyntheticDataError, match="ages"):
        sd.age_band([-1])


@pytest.mark.parametrize("country", COUNTRY_KEYS)
def test_planted_ownership_bias_present(country):
    """Women, people 65+ and rural dwellers are under-represented; tolerance stated inline."""
    truth = sd.ground_truth(country)
    realised = truth["sim_coverage"]["realised_in_population_15plus"]
    planted = truth["sim_coverage"]["planted_probability"]
    # Realised coverage ratios within 0.1 of the planted factor ratio (sampling noise).
    ratio_f = realised["sex"]["F"]["share"] / realised["sex"]["M"]["share"]
    assert ratio_f == pytest.approx(planted["sex"]["F"] / planted["sex"]["M"], abs=0.1)
    assert realised["age_band"]["65+"]["share"] < realised["age_band"]["25-34"]["share"]
    assert realised["rural"]["rural"]["share"] < realised["rural"]["urban"]["share"]
    index = truth["sim_coverage"]["representation_index_vs_census_15plus"]
    assert index["age_band"]["65+"] < 0.85
    if country == "botswana":
        assert index["sex"]["F"] < 0.97 < index["sex"]["M"]
        assert index["district"]["Gaborone"] > 1.0 > index["district"]["Kgalagadi"]
    multi = truth["multi_sim"]["owners_with_2_or_more"]["share"]
    assert multi == pytest.approx(sum(truth["multi_sim"]["planted"].values()), abs=0.04)


@pytest.mark.parametrize("country", COUNTRY_KEYS)
def test_few_points_make_traces_unique_at_both_resolutions(country):
    """Tower x hour: four points single out almost everyone. District x day: coarser, less
    unique, but far from anonymous (issue 15; benchmarks/unicity.py prints the full targets)."""
    truth = sd.ground_truth(country)["uniqueness"]
    fine, coarse = truth["tower x hour"], truth["district x day"]
    assert fine["4"]["share"] >= 0.9
    assert 0.4 <= fine["2"]["share"] <= 0.9
    assert 0.2 <= coarse["4"]["share"] <= 0.75
    for curve in (fine, coarse):
        shares = [curve[str(p)]["share"] for p in range(1, 6)]
        assert shares[0] < shares[2] <= shares[4]
    assert all(coarse[str(p)]["share"] < fine[str(p)]["share"] for p in range(1, 6))
    assert truth["measured_sims"] == truth["crowd_sims"]  # small: every SIM, all in the crowd


@pytest.mark.parametrize("country", COUNTRY_KEYS)
def test_mobility_is_heavy_tailed_and_leaves_home(country):
    moves = sd.ground_truth(country)["mobility"]
    places = sims(country, "small", sd.DEFAULT_SEED).places
    assert places.min() >= 0
    assert places.max() < len(sd.load("mno_towers", country=country))
    rg = moves["radius_of_gyration_km"]
    assert rg["0.9"] > 3 * rg["0.5"]  # a heavy tail of travellers (González et al. 2008)
    assert 0.1 < moves["share_of_active_sim_days_outside_home_district"]["share"] < 0.5
    assert 0.6 < moves["share_of_night_events_at_home_towers"]["share"] < 0.9
    assert moves["districts_per_sim"]["0.99"] >= 4
    # Rest days keep people nearer home than working days, holidays too (labs rely on it).
    truth = sd.ground_truth(country)
    home = truth["anomalies"]["share_of_events_at_home_towers_per_day"]
    lock = truth["anomalies"]["lockdown"]
    days = [d for d in home if not lock["start"] <= d <= lock["end"]]
    rest = [d for d in days if np.datetime64(d).astype("datetime64[D]").item().weekday() >= 5]
    work = [
        d
        for d in days
        if d not in rest and d not in {h["date"] for h in truth["anomalies"]["holidays"]}
    ]
    assert np.mean([home[d] for d in rest]) > np.mean([home[d] for d in work]) + 0.02


def test_unicity_counts_match_a_brute_force():
    """The vectorised unicity (bitsets or binary searches) against plain Python sets."""
    from synthetic_data import unicity as u

    rng = np.random.default_rng(1)
    for _ in range(10):
        n, n_points, m = (
            int(rng.integers(5, 120)),
            int(rng.integers(3, 40)),
            int(rng.integers(10, 2000)),
        )
        sim, point = rng.integers(0, n, m), rng.integers(0, n_points, m) * 7
        found = u.unicity(sim, point, n, np.random.default_rng(5))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(u, "BITSET_BYTES", 0)  # the other path
            assert u.unicity(sim, point, n, np.random.default_rng(5)) == found
        # The same draws, counted by brute force.
        draw = np.random.default_rng(5)
        key = np.unique(sim.astype(np.int64) * (point.max() + 1) + point)
        owner, where = np.divmod(key, point.max() + 1)
        order = np.lexsort((draw.random(len(key)), owner))
        traces = {s: [int(where[i]) for i in order if owner[i] == s] for s in range(n)}
        for p in range(1, 6):
            long = [s for s in range(n) if len(traces[s]) >= p]
            alone = sum(
                sum(set(traces[s][:p]) <= set(traces[o]) for o in range(n)) == 1 for s in long
            )
            assert found[p] == (alone, len(long))


@pytest.mark.parametrize("country", COUNTRY_KEYS)
def test_anomalies_and_linkable_people(country):
    truth = sd.ground_truth(country)
    lock = truth["anomalies"]["lockdown"]
    at_home = truth["anomalies"]["share_of_events_at_home_towers_per_day_lockdown_residents"]
    inside = [v for d, v in at_home.items() if lock["start"] <= d <= lock["end"]]
    outside = [v for d, v in at_home.items() if not lock["start"] <= d <= lock["end"]]
    assert min(inside) > max(outside)  # residents stay home during the lockdown
    holiday = truth["anomalies"]["holidays"][0]["date"]
    national = truth["anomalies"]["cdr_events_per_day"]
    assert national[holiday] < np.median(list(national.values()))
    home_national = truth["anomalies"]["share_of_events_at_home_towers_per_day"]
    assert home_national[holiday] > np.median(list(home_national.values()))

    aux = sd.load("auxiliary", country=country)
    subs = sd.load("mno_subscribers", country=country).set_index("sim_id")
    assert len(truth["linkable"]) == aux["aux_id"].nunique() >= 10
    names = aux.groupby("aux_id")["name"].first()
    for link in truth["linkable"]:
        assert subs.loc[link["sim_id"], "name"] == names[link["aux_id"]]


@pytest.mark.parametrize(("country", "seed"), [("botswana", None), ("uruguay", 7)])
def test_linkage_ground_truth_matches_an_attack_on_the_tables(country, seed):
    """The planted crowd person hides among several subscribers; most others are singled out;
    and the ground truth agrees with a linkage attack written from the published tables."""
    truth = {link["aux_id"]: link for link in sd.ground_truth(country, seed=seed)["linkable"]}
    aux = sd.load("auxiliary", country=country, seed=seed)
    towers = sd.load("mno_towers", country=country, seed=seed)
    cdr = sd.load("mno_cdr", country=country, seed=seed)
    subs = sd.load("mno_subscribers", country=country, seed=seed)
    sim_of = dict(zip(subs["phone_number"], subs["sim_id"], strict=True))
    seen = cdr.assign(hour=cdr["timestamp"].dt.strftime("%Y-%m-%d %H"))
    crowd = [link for link in truth.values() if link["planted_in_a_crowd"]]
    assert len(crowd) == 1
    assert crowd[0]["known_visits"] == 1
    assert crowd[0]["sims_matching_all_visits"] >= CROWD
    assert sum(link["singled_out_by_visits"] for link in truth.values()) >= len(truth) // 2
    for aux_id, visits in aux[aux["kind"] == "visit"].groupby("aux_id"):
        common = None
        for lat, lon, time in zip(visits["lat"], visits["lon"], visits["time"], strict=True):
            d2 = (towers["lat"] - lat) ** 2 + (towers["lon"] - lon) ** 2
            here = (seen["tower_id"] == towers["tower_id"].iloc[d2.argmin()]) & (
                seen["hour"] == time[:13]
            )
            callers = {sim_of[p] for p in seen.loc[here, "caller"]}
            common = callers if common is None else common & callers
        link = truth[aux_id]
        assert link["known_visits"] == len(visits)
        assert link["sims_matching_all_visits"] == len(common)
        assert link["singled_out_by_visits"] == (common == {link["sim_id"]})


def test_data_card_is_plain_myst():
    for name in sd.DATASETS:
        card = sd.data_card(name, country="uruguay")
        assert card.startswith("# ")
        assert card.count("\n# ") == 0
        assert "no real person" in card
        assert "## Codebook" in card
        assert "## Planted patterns" in card
        assert not re.search(r"<[a-zA-Z/]|\{cite|\{[a-z_]+\}", card)
    assert "schematic" in sd.data_card("census", country="botswana")
    assert "52.3%" in sd.data_card("census", country="uruguay")


def test_geopackage_has_pinned_timestamp(builds):
    with sqlite3.connect(builds["root"] / "botswana-a" / "districts.gpkg") as db:
        stamps = {row[0] for row in db.execute("select last_change from gpkg_contents")}
    assert stamps == {"2024-01-01T00:00:00.000Z"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "nope"}, "unknown dataset 'nope'; choose one of"),
        ({"name": "census", "country": "narnia"}, "unknown country 'narnia'"),
        ({"name": "census", "size": "huge"}, "unknown size 'huge'"),
        ({"name": "census", "seed": -1}, "seed must be a whole number"),
        ({"name": "census", "seed": 2**40}, "seed must be a whole number"),
        ({"name": "census", "seed": 1.5}, "seed must be a whole number"),
        ({"name": "mno_cdr", "size": "large"}, "too big to load"),
    ],
)
def test_bad_input_messages(kwargs, message):
    with pytest.raises(sd.SyntheticDataError, match=re.escape(message)):
        sd.load(**kwargs)
    assert issubclass(sd.SyntheticDataError, ValueError)


def test_unwritable_folder_and_failed_build_leave_nothing(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(sd.SyntheticDataError, match="choose"):
        sd.build(blocker / "out")
    with pytest.raises(sd.SyntheticDataError, match="not a folder"):
        sd.build(blocker)

    build_module = importlib.import_module("synthetic_data.build")

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(build_module, "_write_table", boom)
    target = tmp_path / "out"
    with pytest.raises(sd.SyntheticDataError, match="could not write"):
        sd.build(target, names=["census"])
    assert list(tmp_path.iterdir()) == [blocker]  # no staging folder, no half-built output


def test_cli_build_and_errors(tmp_path):
    run = [sys.executable, "-m", "synthetic_data"]
    ok = subprocess.run(
        [
            *run,
            "build",
            "--country",
            "uruguay",
            "--seed",
            "7",
            "--out",
            str(tmp_path / "o"),
            "--only",
            "census",
            "--only",
            "mno_towers",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert manifest["seed"] == 7
    assert "mno_towers.csv" in manifest["files"]
    bad = subprocess.run(
        [*run, "build", "--country", "narnia", "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: unknown country")
    assert "Traceback" not in bad.stderr
    assert not (tmp_path / "x").exists()
