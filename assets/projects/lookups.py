"""The reference tables project records are read against, loaded once per step from the
settings' data folders: registry cities (names, and the areas projects are placed in), focus
areas, ISO 4217 codes, ISO2 <-> ISO3 country codes, country names and the sector -> focus area
map."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from assets.infrastructure.boundaries import load_city_boundaries
from assets.projects.currency import load_currencies
from assets.projects.focus import SectorMap
from assets.projects.placement import CityArea, CityPolygon, admin_key, city_areas
from assets.projects.worldbank_export import SHORT_NAMES
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
    areas: list[CityArea] = field(default_factory=list)  # where projects are placed
    country_keys: tuple[str, ...] = ()  # admin_key of country names: country-level locations
    iso2_of_name: Mapping[str, str] = field(default_factory=dict)  # folded name -> ISO2
    polygon_problem: str | None = None  # why no admin polygon could be read (rings used)

    @cached_property
    def sectors(self) -> SectorMap:
        return SectorMap.from_frame(self.sector_map)


def currencies_file(settings: Settings) -> Path:
    return settings.reference_dir / "iso4217_currencies.csv"


def sector_map_file(settings: Settings) -> Path:
    return settings.catalogue_dir / "sector_focus_map.csv"


def fx_rates_file(settings: Settings) -> Path:
    return settings.reference_dir / "fx_rates_usd.csv"


def load_sector_map(path: Path) -> pd.DataFrame:
    """data/catalogue/sector_focus_map.csv: which focus area each source sector code counts for."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def country_names(settings: Settings) -> dict[str, str]:
    """Folded country name -> ISO2: data/reference/countries.csv and the World Bank's names."""
    frame = pd.read_csv(settings.reference_dir / "countries.csv", dtype=str)
    names = {str(n).casefold(): str(c) for n, c in zip(frame["name"], frame["country_iso2"],
                                                        strict=True)}  # fmt: skip
    return names | SHORT_NAMES


def city_polygons(
    settings: Settings, cities: pd.DataFrame
) -> tuple[dict[str, CityPolygon], str | None]:
    """The cities' administrative polygons as the infrastructure family loads them
    (data/reference/city_boundaries.csv); ({}, reason) when the file cannot be read, so the
    projects fall back to the 10 km rings instead of stopping (the infrastructure family's
    own step fails on such a file, naming it)."""
    path = settings.reference_dir / "city_boundaries.csv"
    if not path.exists() or not {"lat", "lon"} <= set(cities.columns):
        return {}, None
    try:
        loaded, _rejects = load_city_boundaries(
            path, cities, settings.sources_dir / "infrastructure"
        )
    except (ValueError, OSError) as exc:
        return {}, f"{path}: {exc}"
    out = {}
    for city in loaded:
        for area in city.areas:
            if not area.is_ring and area.geometry is not None:
                ids = area.area_id.split(":", 1)[1].split("+") if ":" in area.area_id else []
                out[city.city_id] = CityPolygon(area.geometry, area.area_id, frozenset(ids))
    return out, None


def load_lookups(settings: Settings, cities: pd.DataFrame) -> Lookups:
    """Every lookup, from the settings' folders; `cities` is the registry (staging.cities)."""
    iso3_of = iso2_to_iso3(settings)
    names = country_names(settings)
    polygons, problem = city_polygons(settings, cities)
    return Lookups(
        cities=CityMatcher(cities),
        focus_areas=focus_areas(settings),
        currencies=load_currencies(currencies_file(settings)),
        iso3_of=iso3_of,
        sector_map=load_sector_map(sector_map_file(settings)),
        areas=city_areas(cities, {v: k for k, v in iso3_of.items()}, polygons),
        country_keys=tuple(sorted({admin_key(n) for n in names})),
        iso2_of_name=names,
        polygon_problem=problem,
    )
