"""Reference settings: districts of Botswana (Census 2022) and departments of Uruguay (Censo 2023).

Populations and capitals come from ../shared/research/domain_facts.md, section E. District
figures sum exactly to the official national totals; coordinates are approximate (about 0.05°).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Country:
    key: str
    name: str
    census_year: int
    total_population: int
    # (district, capital, population, lat, lon)
    districts: tuple[tuple[str, str, int, float, float], ...]
    faker_locale: str

    def district_table(self) -> pd.DataFrame:
        return pd.DataFrame(
            self.districts, columns=["district", "capital", "population", "lat", "lon"]
        )


BOTSWANA = Country(
    key="botswana",
    name="Botswana",
    census_year=2022,
    total_population=2_359_609,
    districts=(
        ("Gaborone", "Gaborone", 246_325, -24.65, 25.91),
        ("Francistown", "Francistown", 103_417, -21.17, 27.51),
        ("Lobatse", "Lobatse", 29_772, -25.22, 25.68),
        ("Selebi-Phikwe", "Selebi-Phikwe", 42_488, -21.98, 27.84),
        ("Jwaneng", "Jwaneng", 18_784, -24.60, 24.73),
        ("Orapa", "Orapa", 8_648, -21.31, 25.38),
        ("Sowa", "Sowa", 2_914, -20.56, 26.22),
        ("Southern", "Kanye", 221_928, -24.98, 25.33),
        ("South-East", "Ramotswa", 111_440, -24.87, 25.87),
        ("Kweneng", "Molepolole", 387_983, -24.41, 25.50),
        ("Kgatleng", "Mochudi", 121_882, -24.38, 26.15),
        ("Central", "Serowe", 652_085, -22.39, 26.71),
        ("North-East", "Masunga", 69_352, -20.62, 27.45),
        ("North-West", "Maun", 198_436, -19.98, 23.42),
        ("Chobe", "Kasane", 28_743, -17.80, 25.15),
        ("Ghanzi", "Ghanzi", 56_555, -21.70, 21.65),
        ("Kgalagadi", "Tsabong", 58_857, -26.05, 22.43),
    ),
    faker_locale="en_US",
)

URUGUAY = Country(
    key="uruguay",
    name="Uruguay",
    census_year=2023,
    total_population=3_499_451,
    districts=(
        ("Artigas", "Artigas", 77_487, -30.40, -56.47),
        ("Canelones", "Canelones", 608_956, -34.52, -56.28),
        ("Cerro Largo", "Melo", 91_025, -32.37, -54.17),
        ("Colonia", "Colonia del Sacramento", 135_797, -34.47, -57.84),
        ("Durazno", "Durazno", 62_011, -33.38, -56.52),
        ("Flores", "Trinidad", 26_271, -33.52, -56.90),
        ("Florida", "Florida", 70_325, -34.10, -56.21),
        ("Lavalleja", "Minas", 59_175, -34.38, -55.24),
        ("Maldonado", "Maldonado", 212_951, -34.90, -54.95),
        ("Montevideo", "Montevideo", 1_302_954, -34.90, -56.19),
        ("Paysandú", "Paysandú", 121_843, -32.32, -58.08),
        ("Río Negro", "Fray Bentos", 57_334, -33.12, -58.31),
        ("Rivera", "Rivera", 109_300, -30.90, -55.55),
        ("Rocha", "Rocha", 80_707, -34.48, -54.33),
        ("Salto", "Salto", 136_197, -31.38, -57.96),
        ("San José", "San José de Mayo", 119_714, -34.34, -56.71),
        ("Soriano", "Mercedes", 83_685, -33.25, -58.03),
        ("Tacuarembó", "Tacuarembó", 96_013, -31.73, -55.98),
        ("Treinta y Tres", "Treinta y Tres", 47_706, -33.23, -54.38),
    ),
    faker_locale="es_ES",
)

COUNTRIES: dict[str, Country] = {c.key: c for c in (BOTSWANA, URUGUAY)}

for _c in COUNTRIES.values():
    assert sum(d[2] for d in _c.districts) == _c.total_population, _c.key
