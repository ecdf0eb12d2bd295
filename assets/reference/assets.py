"""Reference data: the city registry, the six ASCN focus areas and the boundary types."""

from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pandas as pd

from assets.reference.cities import read_cities
from pipelines.framework.csv_text import read_csv_text
from pipelines.framework.landing import BundledFiles, bundled_files_asset
from pipelines.framework.rejects import NO_REJECTS
from pipelines.framework.sql_assets import sql_asset
from pipelines.settings import Settings
from warehouse.db import TableDoc

SQL_DIR = Path(__file__).with_name("sql")


def _reference_asset(
    name: str,
    source: str,
    read: Callable[[Path], pd.DataFrame],
    description: str,
    doc: TableDoc,
) -> dg.AssetsDefinition:
    """`raw/<name>`: `data/reference/<name>.csv` read by `read` (no rejects: a bad list fails)."""

    def files(settings: Settings) -> BundledFiles:
        path = settings.reference_dir / f"{name}.csv"
        return BundledFiles(source, [path], lambda con: (read(path), NO_REJECTS), doc=doc)

    return bundled_files_asset(name, files, description=description, kinds={"duckdb", "csv"})


# The raw tables hold the lists' text as written (the lineage columns: warehouse.db).
CITIES_DOC = TableDoc(
    "The city registry as written in data/reference/cities.csv (curated; data/SOURCES.md): one "
    "row per ASCN pilot city.",
    {
        "city_id": "Registry city id: lower-case ISO3 + slug of the ASCN name",
        "name": "City name, ASCN spelling",
        "local_name": "Name in the local script (empty unless certain)",
        "country_iso3": "ISO 3166-1 alpha-3 country code",
        "country_name": "Country name",
        "lat": "Latitude of the city (WGS84 degrees)",
        "lon": "Longitude of the city (WGS84 degrees)",
        "joined_year": "Year the city joined ASCN (2018, 2023 or 2024)",
        "admin_unit_type": "Unit of the city's headline figure in the reference city table",
        "coord_source": "Where the coordinates come from (the row's page)",
        "notes": "Curator's notes (e.g. the several units of a city)",
        "pilot_boundary_type": "Boundary type of the city's pilot unit (the headline population's "
        "unit)",
        "pilot_unit_name": "Name of the pilot unit (a unit name of census_city_figures.csv)",
        "pilot_unit_confirmed": "yes when the registry confirms the pilot unit",
        "province_name": "First-level admin unit containing the city, ';'-separated spellings",
    },
)
FOCUS_AREAS_DOC = TableDoc(
    "The six ASCN focus areas as written in data/reference/focus_areas.csv, one row per area.",
    {
        "focus_area_id": "Focus area id",
        "name": "Focus area name, as in ASCN publications",
        "description": "Short description (our own wording)",
    },
)
BOUNDARY_TYPES_DOC = TableDoc(
    "Boundary types a figure may refer to, as written in data/reference/boundary_types.csv: one "
    "row per type, with its precedence and unit type.",
    {
        "boundary_type": "Boundary type id (city_proper, municipality, agglomeration, ...)",
        "precedence": "Order of choice among candidate units (1 first; text as written)",
        "unit_type": "Unit type of the boundary type (docs/METHODOLOGY.md §1)",
        "description": "What the boundary type covers",
    },
)

raw_cities = _reference_asset(
    "cities", "city_registry", read_cities,
    "The 31 ASCN pilot cities (`data/reference/cities.csv`): adding a city is adding a row.",
    CITIES_DOC,
)  # fmt: skip
raw_focus_areas = _reference_asset(
    "focus_areas", "focus_areas", read_csv_text,
    "The six ASCN focus areas (`data/reference/focus_areas.csv`).", FOCUS_AREAS_DOC,
)  # fmt: skip
raw_boundary_types = _reference_asset(
    "boundary_types", "boundary_types", read_csv_text,
    "Boundary types and the precedence that picks a city's headline population.",
    BOUNDARY_TYPES_DOC,
)  # fmt: skip


staging_reference = sql_asset(
    key="staging/reference",
    sql_files=[SQL_DIR / "staging_reference.sql"],
    deps=["raw/cities", "raw/focus_areas", "raw/boundary_types"],
    tables=["staging.cities", "staging.focus_areas", "staging.boundary_types"],
    description="Typed registry of cities, focus areas and boundary types.",
    group="staging",
)
