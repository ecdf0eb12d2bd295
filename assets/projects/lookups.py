"""The reference tables project records are read against, loaded once per step from the
settings' data folders: registry cities, focus areas, ISO 4217 codes, ISO2 -> ISO3 country
codes and the sector -> focus area map."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from assets.projects.currency import load_currencies
from assets.reference.cities import CityMatcher
from assets.reference.countries import iso2_to_iso3
from assets.reference.vocabularies import focus_areas
from pipelines.settings import Settings


@dataclass(frozen=True)
class Lookups:
    cities: CityMatcher
    focus_areas: Mapping[str, str]  # focus area id -> display name
    currencies: frozenset[str]  # ISO 4217 alphabetic codes
    iso3_of: Mapping[str, str]  # ISO 3166 alpha-2 -> alpha-3, ASEAN members and partners
    sector_map: pd.DataFrame  # vocabulary, code, name, focus_area_id


def currencies_file(settings: Settings) -> Path:
    return settings.reference_dir / "iso4217_currencies.csv"


def sector_map_file(settings: Settings) -> Path:
    return settings.catalogue_dir / "sector_focus_map.csv"


def fx_rates_file(settings: Settings) -> Path:
    return settings.reference_dir / "fx_rates_usd.csv"


def load_sector_map(path: Path) -> pd.DataFrame:
    """data/catalogue/sector_focus_map.csv: which focus area each source sector code counts for."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def load_lookups(settings: Settings, cities: pd.DataFrame) -> Lookups:
    """Every lookup, from the settings' folders; `cities` is the registry (staging.cities)."""
    return Lookups(
        cities=CityMatcher(cities),
        focus_areas=focus_areas(settings),
        currencies=load_currencies(currencies_file(settings)),
        iso3_of=iso2_to_iso3(settings),
        sector_map=load_sector_map(sector_map_file(settings)),
    )
