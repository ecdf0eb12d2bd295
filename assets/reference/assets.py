"""Reference data: the city registry, the six ASCN focus areas and the boundary types."""

from pathlib import Path

import dagster as dg
import pandas as pd

from assets.reference.cities import read_cities
from pipelines.framework.landing import land_files
from pipelines.framework.rejects import NO_REJECTS
from pipelines.framework.sql_assets import sql_asset
from pipelines.resources import SourcesResource, WarehouseResource

SQL_DIR = Path(__file__).with_name("sql")


def _csv(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


@dg.asset(key=["raw", "cities"], group_name="raw", kinds={"duckdb", "csv"})
def raw_cities(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """The 31 ASCN pilot cities (`data/reference/cities.csv`): adding a city is adding a row."""
    path = sources.settings.reference_dir / "cities.csv"
    return land_files(
        context, warehouse, table="cities", source="city_registry", paths=[path],
        parse=lambda con: (read_cities(path), NO_REJECTS),
    )  # fmt: skip


@dg.asset(key=["raw", "focus_areas"], group_name="raw", kinds={"duckdb", "csv"})
def raw_focus_areas(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """The six ASCN focus areas (`data/reference/focus_areas.csv`)."""
    path = sources.settings.reference_dir / "focus_areas.csv"
    return land_files(
        context, warehouse, table="focus_areas", source="focus_areas", paths=[path],
        parse=lambda con: (_csv(path), NO_REJECTS),
    )  # fmt: skip


@dg.asset(key=["raw", "boundary_types"], group_name="raw", kinds={"duckdb", "csv"})
def raw_boundary_types(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """Boundary types and the precedence that picks a city's headline population."""
    path = sources.settings.reference_dir / "boundary_types.csv"
    return land_files(
        context, warehouse, table="boundary_types", source="boundary_types", paths=[path],
        parse=lambda con: (_csv(path), NO_REJECTS),
    )  # fmt: skip


staging_reference = sql_asset(
    key="staging/reference",
    sql_files=[SQL_DIR / "staging_reference.sql"],
    deps=["raw/cities", "raw/focus_areas", "raw/boundary_types"],
    tables=["staging.cities", "staging.focus_areas", "staging.boundary_types"],
    description="Typed registry of cities, focus areas and boundary types.",
    group="staging",
)
