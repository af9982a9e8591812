"""The data cards' English text, as ``str.format`` templates (the datasets' titles are in
``registry`` and the census sources in ``planted``; ``data_cards.templates`` gathers all).

Kept apart from the code that fills them in (``data_cards``) because it is the text that
translators follow: the Spanish catalogue (``locales/es/LC_MESSAGES/data_cards.po``) is keyed
by these templates, and a test names any template it lacks.
"""

from __future__ import annotations

DISCLAIMER = (
    "**Synthetic data: no real person is in it.** Every person, phone number, card, trip and "
    "name was invented by a random generator. Resemblance to real people is coincidence. Only "
    "the district names, their census populations and national sex totals are real facts."
)

# Where the planted sex factor of SIM ownership comes from, and how sure it is.
SEX_GAP_NOTE = {
    "botswana": (
        "The women's factor ({women}) is the GSMA Mobile Gender Gap Report 2025 figure for "
        "sub-Saharan Africa (a 13% ownership gap); Botswana is not in GSMA's survey. Statistics "
        "Botswana's ICT household survey of 2014 found that 85.3% of people aged 10 and over "
        "used a mobile phone and that 55.8% of those users were women (as reported by Mmegi). "
        "That measures use, not ownership, ten years earlier, and SIMs registered to a relative "
        "blur both; but it suggests that the real gap in Botswana is small or even reversed. "
        "The planted gap is a teaching scenario, uncertain in size and sign: do not quote it "
        "as a fact about Botswana."
    ),
    "uruguay": (
        "The women's factor ({women}) is modelled: a small gap, since Uruguay is not in GSMA's "
        "Mobile Gender Gap survey. It is a teaching scenario, not an estimate."
    ),
}

# dataset -> (purpose, [(column, type, meaning)], [planted patterns], how generated)
CARDS: dict[str, tuple[str, list[tuple[str, str, str]], list[str], str]] = {
    "census": (
        (
            "A modelled census benchmark: the official district totals (and national totals by "
            "sex), spread over sex and age bands by a model. Compare any dataset's coverage with "
            "it to find who is missing; the breakdown by sex and age is not an official table."
        ),
        [
            ("district", "string", "District (Botswana) or department (Uruguay), real name"),
            ("sex", "string", "F or M"),
            ("age_band", "string", "One of {age_bands}"),
            ("population", "integer", "Persons in the cell"),
        ],
        [
            "District totals equal the published census populations exactly.",
            "National totals by sex equal {female_source}.",
            "Age structure: {age_note}",
            (
                "Towns and the capital have fewer children and more young adults; older women "
                "outnumber older men."
            ),
        ],
        (
            "Iterative proportional fitting of a schematic district x sex x age table to the "
            "district, sex and age-band margins, then integer rounding that keeps district and "
            "national sex totals exact. It does not depend on the seed."
        ),
    ),
    "districts": (
        "Maps and spatial joins: which district a tower, merchant or trip end lies in.",
        [
            ("district", "string", "District or department name"),
            ("capital", "string", "Main town"),
            ("population", "integer", "Census population"),
            ("capital_lat", "float", "Approximate latitude of the capital (about 0.05°)"),
            ("capital_lon", "float", "Approximate longitude of the capital"),
            ("area_km2_schematic", "float", "Area of the schematic shape, not the real area"),
            ("geometry", "polygon", "Schematic shape, WGS 84 (EPSG:4326)"),
        ],
        [
            (
                "Shapes are **schematic**: Voronoi cells around the capitals, clipped to the Natural "
                "Earth 1:110m country outline. They are not official boundaries, and their areas are "
                "far from the real ones."
            ),
        ],
        (
            "shapely Voronoi polygons around the capitals, intersected with the public-domain "
            "Natural Earth outline vendored in the package. Written as GeoPackage."
        ),
    ),
    "mno_towers": (
        "Where the operator's antennas are: the spatial unit of every call detail record.",
        [
            ("tower_id", "string", "Tower identifier"),
            ("district", "string", "District the tower is in"),
            ("lat", "float", "Latitude"),
            ("lon", "float", "Longitude"),
        ],
        [
            "{towers} towers; the count per district grows with population^0.7 (at least two).",
            "Towers cluster at towns; some are spread over the countryside.",
        ],
        "Random points in each district's schematic shape around its main settlement.",
    ),
    "mno_subscribers": (
        "The operator's customer register (SIM registration): who is covered, and who is not.",
        [
            ("sim_id", "string", "SIM identifier (pseudonymous)"),
            ("phone_number", "string", "{phone_note}"),
            ("name", "string", "Registered name (invented, from Faker's `{locale}` lists)"),
            ("age", "integer", "Age of the registered owner, 15 or over"),
            ("sex", "string", "F or M"),
            ("home_district", "string", "District of residence"),
            ("home_tower_id", "string", "Tower nearest to home"),
            ("work_tower_id", "string", "Tower nearest to the workplace; empty if not working"),
        ],
        [
            (
                "Ownership bias: probability of owning a SIM = {sim_base} x sex factor {sim_sex} x "
                "age factor {sim_age} x {sim_rural} if rural. Fewer women, fewer older and fewer "
                "rural people; no one under 15."
            ),
            "{sex_gap_note}",
            (
                "Several SIMs per person: P(2 SIMs) = {p2}, P(3 SIMs) = {p3} among owners; a "
                "person's SIMs share name, age, sex and places."
            ),
            (
                "Rural residents live in districts but not in towns, so rural districts are "
                "under-represented; compare with `census` (ages 15+) using `synthetic_data.age_band`."
            ),
        ],
        (
            "A hidden synthetic population is sampled from the census cells; each person owns SIMs "
            "with the planted probability. Homes and workplaces are points in the district shapes; "
            "some people in districts near {hubs} commute there."
        ),
    ),
    "mno_cdr": (
        "Call detail records: mobility, re-identification and aggregation labs.",
        [
            ("caller", "string", "Phone number of the SIM that made the call or sent the text"),
            (
                "callee",
                "string",
                "Number called; about 10% are on other networks (not in `mno_subscribers`)",
            ),
            ("timestamp", "datetime", "Local time, to the second"),
            ("tower_id", "string", "Tower that carried the event (the caller's location)"),
            ("duration_s", "integer", "Call length in seconds; 0 for texts"),
            ("type", "string", "`call` or `sms`"),
        ],
        [
            (
                "Only outgoing events are recorded; about {cdr_per_day} events per SIM per day on "
                "average, with heavy-tailed activity between SIMs. Activity is bursty "
                "(modelled): each SIM is active on a share of days drawn from Beta(1, "
                "{active_b}) and makes more events on those days; {active_days} active days "
                "for the median SIM with events; {silent} of SIMs make no event at all."
            ),
            (
                "Routines: at night people are mostly at their home towers ({night_home} of "
                "night events); in working hours of working days workers are at work (80%); "
                "otherwise at home or one of three everyday places near home, more often at "
                "home on rest days."
            ),
            (
                "Mobility from the literature. Each person's local places lie at distances set "
                "by a radius of gyration drawn from the truncated power law of González, "
                "Hidalgo and Barabási (2008, Nature 453:779): P(r) ~ (r + {rg0} km)^-{beta_r} "
                "exp(-r / {kappa} km). Trips go to other districts: a family place (a "
                "district drawn with probability ~ population / distance^{gravity}, modelled), "
                "a market town (the nearest other district's main settlement) and places "
                "found by exploring, chosen in the same way (a modelled gravity choice of "
                "where new places lie). On an outing day "
                "the place is chosen by exploration and preferential return (Song, Koren, "
                "Wang and Barabási 2010, Nature Physics 6:818): a new place with probability "
                "{rho} S^-{gamma} (S places known so far), else a known place in proportion "
                "to past visits, which start ~ rank^-{zeta}."
            ),
            (
                "How often people go out (modelled): base chances of a trip of {trip_work} on "
                "working days ({trip_worker} for workers) and {trip_rest} on rest days, and of "
                "an errand of {errand_work} ({errand_worker} for workers) and {errand_rest}, "
                "times a personal factor (lognormal, mean 1, median {spread_median}, log-sd "
                "{spread}; a chance of 1 or more means every such day): most people rarely "
                "leave their area and a minority travel often, the returners and explorers of "
                "Pappalardo et al. (2015). The same personal "
                "score sets the radius of gyration and, with correlation {active_mobile}, the "
                "share of active days. Trips last the night with probability {overnight_work} "
                "on working days and {overnight_rest} on rest days, and then go on the next "
                "day with probability {stay_on}; on a trip day some events are on the way."
            ),
            (
                "Measured on the data: {away_days} of active SIM-days include an event "
                "outside the home district ({away_events} of events); radius of gyration of "
                "the SIMs' events: median {rg_median} km, 90th percentile {rg_90} km."
            ),
            (
                "Diurnal rhythm (quiet nights, evening peak) and weekly rhythm (Saturday 0.85, "
                "Sunday 0.7 of weekday activity); no commuting on rest days."
            ),
            "Holiday: {holidays}: activity and movement like a Sunday, no commuting.",
            "Lockdown: {lockdown}. Residents stay near home; outsiders cannot enter.",
            (
                "Uniqueness (unicity, the method of de Montjoye et al. 2013): the share of "
                "SIMs singled out by p random points of their trace, p = 1 to 5, at tower x "
                "hour: {uniq_fine}; at district x day: {uniq_coarse}. Measured on {crowd} SIMs "
                "(`ground_truth.json`, `uniqueness`)."
            ),
        ],
        (
            "Per SIM and day: active or not (bursty), a Poisson number of events on active "
            "days; the day's outing, if any, from exploration and preferential return; for "
            "each event an hour from the diurnal profile, a place from the routine and the "
            "day's outing, and a contact from a personal list of {contacts} (weights "
            "1/rank). All vectorised with numpy."
        ),
    ),
    "card_holders": (
        "A bank's card register: account-ownership bias next to the census.",
        [
            ("card_id", "string", "Card identifier (pseudonymous)"),
            ("name", "string", "Card holder name (invented)"),
            ("age", "integer", "Age"),
            ("sex", "string", "F or M"),
            ("district", "string", "District of residence"),
        ],
        [
            (
                "Ownership bias: probability = {card_base} x sex factor {card_sex} x age factor "
                "{card_age} x {card_rural} if rural."
            ),
            (
                "Card holders are drawn from the same hidden population as the subscribers: some "
                "people are in both datasets."
            ),
        ],
        "Each person in the hidden population holds one card with the planted probability.",
    ),
    "card_merchants": (
        "Shops that accept cards: the places in `card_transactions`.",
        [
            ("merchant_id", "string", "Merchant identifier"),
            ("merchant_name", "string", "Invented name: district, category and a number"),
            (
                "category",
                "string",
                (
                    "grocery, fuel, pharmacy, restaurant, clothing, "
                    "electronics, transport or utilities"
                ),
            ),
            ("district", "string", "District"),
            ("lat", "float", "Latitude"),
            ("lon", "float", "Longitude"),
        ],
        ["{merchants} merchants; count per district grows with population^0.9."],
        "Random categories and points near each district's main settlement.",
    ),
    "card_transactions": (
        "Card payments: spending patterns and the re-identification power of a few purchases.",
        [
            ("transaction_id", "string", "Transaction identifier"),
            ("card_id", "string", "Card (see `card_holders`)"),
            ("merchant_id", "string", "Merchant (see `card_merchants`)"),
            ("timestamp", "datetime", "Local time, to the second"),
            ("amount", "float", "Amount in {currency}"),
            ("currency", "string", "{currency}"),
        ],
        [
            "Holders shop in their home district (75%), near work (15%) or anywhere (rarely).",
            "Shop-hours rhythm; weekends and holidays as in the CDR.",
            (
                "Lockdown: non-essential shops (restaurant, clothing, electronics, transport) in "
                "{lockdown_district} take no payments during the lockdown."
            ),
        ],
        "Per holder and day a Poisson number of payments; lognormal amounts by category.",
    ),
    "ride_trips": (
        "Ride-hailing trips: trip ends reveal homes and workplaces.",
        [
            ("trip_id", "string", "Trip identifier"),
            ("rider_id", "string", "Rider (pseudonymous)"),
            ("driver_id", "string", "Driver (pseudonymous)"),
            ("city", "string", "District of the city: {ride_cities}"),
            ("pickup_time", "datetime", "Pick-up time"),
            ("dropoff_time", "datetime", "Drop-off time"),
            ("pickup_lat", "float", "Pick-up latitude (GPS, a few tens of metres noise)"),
            ("pickup_lon", "float", "Pick-up longitude"),
            ("dropoff_lat", "float", "Drop-off latitude"),
            ("dropoff_lon", "float", "Drop-off longitude"),
            ("distance_km", "float", "Route length (straight line x 1.3)"),
            ("fare", "float", "Fare in {currency}, peak surcharge 1.3 at 7-9 and 17-19"),
            ("currency", "string", "{currency}"),
        ],
        [
            "Riders are town dwellers, mostly aged 18-54.",
            "80% of trips start or end at the rider's home: homes can be found by clustering.",
        ],
        "Per rider and day a Poisson number of trips between home, work and other town points.",
    ),
    "auxiliary": (
        (
            "What an attacker could know from outside (social media, news, neighbours) about a "
            "few subscribers: the starting point of linkage-attack labs."
        ),
        [
            ("aux_id", "string", "Person in this table"),
            ("name", "string", "Name (the same invented name as in the registers)"),
            ("sex", "string", "F or M"),
            ("age", "integer", "Age"),
            ("home_district", "string", "District of residence"),
            ("kind", "string", "`home` (home area) or `visit` (a dated sighting)"),
            ("source", "string", "Where the fact came from"),
            ("lat", "float", "Latitude: home to 0.01°, visits to about 300 m"),
            ("lon", "float", "Longitude"),
            ("time", "string", "Hour of a visit (`YYYY-MM-DD HH:00`); empty for home"),
        ],
        [
            (
                "Each of the people is a real subscriber of `mno_subscribers`; each visit is one of "
                "their CDR events away from home, blurred in place and time."
            ),
            (
                "Who they are (SIM ids, card and rider ids if any) is in `ground_truth.json` under "
                "`linkable`, with how many subscribers were seen at every one of their visits "
                "(nearest tower, same hour) and whether that singles them out."
            ),
            (
                "One person is planted in a crowd: a single known visit, at a tower and hour "
                "where at least {crowd_min} subscribers were seen, so a linkage attack cannot "
                "single them out (`planted_in_a_crowd`)."
            ),
        ],
        "People with a primary SIM and at least ten events away from home are drawn at random.",
    ),
}


# The card's fixed sentences. Each is a template (``str.format`` fields), translated before the
# numbers are put in, so one translation serves every seed and size. Markdown markers (``#``,
# ``-``, table bars) are added by ``data_card``, so translators see only words.
PHRASES = {
    "title": "{title} ({country}, synthetic)",
    "facts": (
        "Dataset: `{name}`; country setting: {country}; size: `{size}`; seed: {seed}; rows: {rows}"
    ),
    "rows_unknown": "see manifest.json",
    "read": (
        "Read: `{name}.parquet` in pieces, one row group at a time (too big for "
        "`synthetic_data.load`), e.g. with `pyarrow.parquet.ParquetFile`"
    ),
    "load": (
        "Load: `synthetic_data.load({name!r}, country={country!r}, size={size!r}, seed={seed})`"
    ),
    "version": "Generator version: {version}",
    "purpose": "Purpose",
    "codebook": "Codebook",
    "column": "Column",
    "type": "Type",
    "meaning": "Meaning",
    "patterns": "Planted patterns",
    "ground_truth": (
        "Exact planted values and measurements are in `ground_truth.json` "
        "(`synthetic_data.ground_truth(country, size, seed)`)."
    ),
    "how": "How it was generated",
    "chunks": (
        "At size `{size}` this table is written to Parquet in chunks of {chunk} {unit}, one row "
        "group per chunk, so memory stays bounded: rows are sorted by time within each row group, "
        "not across the file. CDR measurements in `ground_truth.json` (uniqueness, anomalies) and "
        "the auxiliary visits use the first chunk."
    ),
    "unit_mno_cdr": "SIMs",
    "unit_card_transactions": "card holders",
    "seeds": (
        "Every table comes from numpy random generators seeded from a `SeedSequence` of the seed, "
        "the country and the dataset, so the same seed gives the same bytes and a different seed "
        "gives different numbers with the same structure. People are drawn from one hidden "
        "synthetic population sampled from the census table, so the same invented person can "
        "appear in several datasets."
    ),
    "provenance": "Provenance and limits",
    "census_uruguay": (
        "District names, census populations and capitals: {country} census {year}. Sources: INE "
        "Uruguay, Censo 2023 final results (10 December 2024), department figures as reported in "
        "the press; capitals from Wikipedia. Capital coordinates are approximate (about 0.05°). "
        "The book's appendix 'Sources, and how sure we are' gives the references."
    ),
    "census_botswana": (
        "District names, census populations and capitals: {country} census {year}. Sources: "
        "Statistics Botswana, 2022 Population and Housing Census (national totals); district "
        "figures from a single secondary compilation citing Statistics Botswana (Wikipedia), not "
        "checked against a Statistics Botswana table. Capital coordinates are approximate (about "
        "0.05°). The book's appendix 'Sources, and how sure we are' gives the references."
    ),
    "shapes": (
        "District shapes are schematic Voronoi cells clipped to the Natural Earth 1:110m outline "
        "(public domain)."
    ),
    "moved": (
        " Capitals outside the coarse outline ({moved}) are moved inside it for placing homes, "
        "towers and shops."
    ),
    "behaviour": (
        "Behaviour parameters (ownership factors, routines, rhythms, the lockdown, how often "
        "people go out and how active their SIMs are) are modelled to teach with, loosely "
        "inspired by published gaps (GSMA Mobile Gender Gap, Findex); they are not estimates for "
        "this country. The laws of mobility and their exponents come from the studies named in "
        "the CDR card. How bursty activity is, and its negative link with mobility, were chosen "
        "so that unicity behaves like published measurements at both resolutions (checked by "
        "`benchmarks/unicity.py`): assumptions, not estimates."
    ),
    "names_botswana": (
        "Names come from Faker's `{locale}` lists (Faker has no Setswana list; isiZulu is the "
        "nearest southern African one)."
    ),
    "names_uruguay": "Names come from Faker's `{locale}` (Rioplatense Spanish) lists.",
    # Pieces of the facts that the templates above and in CARDS quote.
    "and": " and ",
    "crowd": "{measured} of a crowd of {crowd}",
    "lockdown": "{district}, {start} to {end} (seed-dependent)",
    "age_note_uruguay": (
        "Censo 2023 broad shares (0-14 18.5%, 15-34 28.4%, 35-64 37.6%, 65+ 15.6%; "
        "they sum to 100.1% and are normalised); the split inside each broad group is ours."
    ),
    "age_note_botswana": (
        "**schematic, not official**: no published Botswana age structure was used, so a "
        "plausible young profile is used ({profile})."
    ),
    "phone_note_uruguay": (
        "Synthetic national mobile number, `9` then 7 digits (URSEC plan); international "
        "form +598. Not a real subscriber"
    ),
    "phone_note_botswana": (
        "Synthetic national mobile number, 8 digits starting `7` (BOCRA plan); "
        "international form +267. Not a real subscriber"
    ),
}
