"""Reference data: the city registry, the six ASCN focus areas and the boundary types."""

import dagster as dg
import pandas as pd

from assets.landing import Payload, land
from assets.population_parse import read_cities
from assets.sql_assets import sql_asset
from pipelines.resources import SourcesResource, WarehouseResource

NO_REJECTS = pd.DataFrame(columns=["source_uri", "row_number", "field", "value", "reason"])


def _csv(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


@dg.asset(key=["raw", "cities"], group_name="raw", kinds={"duckdb", "csv"})
def raw_cities(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """The 31 ASCN pilot cities (`data/reference/cities.csv`): adding a city is adding a row."""
    path = sources.settings.data_dir / "reference" / "cities.csv"
    with warehouse.connect() as con:
        meta = land(
            context,
            con,
            table="cities",
            payload=Payload("city_registry", str(path), path.read_bytes()),
            parse=lambda: (read_cities(path), NO_REJECTS),
        )
    return dg.MaterializeResult(metadata=meta)


@dg.asset(key=["raw", "focus_areas"], group_name="raw", kinds={"duckdb", "csv"})
def raw_focus_areas(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """The six ASCN focus areas (`data/reference/focus_areas.csv`)."""
    path = sources.settings.data_dir / "reference" / "focus_areas.csv"
    with warehouse.connect() as con:
        meta = land(
            context,
            con,
            table="focus_areas",
            payload=Payload("focus_areas", str(path), path.read_bytes()),
            parse=lambda: (_csv(path), NO_REJECTS),
        )
    return dg.MaterializeResult(metadata=meta)


@dg.asset(key=["raw", "boundary_types"], group_name="raw", kinds={"duckdb", "csv"})
def raw_boundary_types(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """Boundary types and the precedence that picks a city's headline population."""
    path = sources.settings.data_dir / "reference" / "boundary_types.csv"
    with warehouse.connect() as con:
        meta = land(
            context,
            con,
            table="boundary_types",
            payload=Payload("boundary_types", str(path), path.read_bytes()),
            parse=lambda: (_csv(path), NO_REJECTS),
        )
    return dg.MaterializeResult(metadata=meta)


staging_reference = sql_asset(
    key="staging/reference",
    sql_files=["staging/reference.sql"],
    deps=["raw/cities", "raw/focus_areas", "raw/boundary_types"],
    tables=["staging.cities", "staging.focus_areas", "staging.boundary_types"],
    description="Typed registry of cities, focus areas and boundary types.",
    group="staging",
)
