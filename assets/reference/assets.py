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

SQL_DIR = Path(__file__).with_name("sql")


def _reference_asset(
    name: str, source: str, read: Callable[[Path], pd.DataFrame], description: str
) -> dg.AssetsDefinition:
    """`raw/<name>`: `data/reference/<name>.csv` read by `read` (no rejects: a bad list fails)."""

    def files(settings: Settings) -> BundledFiles:
        path = settings.reference_dir / f"{name}.csv"
        return BundledFiles(source, [path], lambda con: (read(path), NO_REJECTS))

    return bundled_files_asset(name, files, description=description, kinds={"duckdb", "csv"})


raw_cities = _reference_asset(
    "cities", "city_registry", read_cities,
    "The 31 ASCN pilot cities (`data/reference/cities.csv`): adding a city is adding a row.",
)  # fmt: skip
raw_focus_areas = _reference_asset(
    "focus_areas", "focus_areas", read_csv_text,
    "The six ASCN focus areas (`data/reference/focus_areas.csv`).",
)  # fmt: skip
raw_boundary_types = _reference_asset(
    "boundary_types", "boundary_types", read_csv_text,
    "Boundary types and the precedence that picks a city's headline population.",
)  # fmt: skip


staging_reference = sql_asset(
    key="staging/reference",
    sql_files=[SQL_DIR / "staging_reference.sql"],
    deps=["raw/cities", "raw/focus_areas", "raw/boundary_types"],
    tables=["staging.cities", "staging.focus_areas", "staging.boundary_types"],
    description="Typed registry of cities, focus areas and boundary types.",
    group="staging",
)
