"""Infrastructure from OpenStreetMap (Overpass live, or a local .osm.pbf extract) and bundled
real metrics (GHSL urban centres with OSM street networks, official hospital lists, SDG 11.2.1).

Which back-end measures OSM, and where the bundled files are, is decided in `sources.py`."""

from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from assets.infrastructure.boundaries import load_city_boundaries
from assets.infrastructure.metric_catalogue import load_metric_catalogue
from assets.infrastructure.metric_rows import METRIC_COLUMNS
from assets.infrastructure.sources import (
    BundledMetrics,
    health_facilities_source,
    osm_measurement_source,
    sdg_11_2_1_source,
    street_network_source,
)
from assets.population.assets import REGISTRY, RETRY
from assets.reference.cities import CityMatcher
from assets.reference.vocabularies import focus_areas
from pipelines.framework.landing import (
    Payload,
    file_bytes,
    land,
    land_files,
    permanent_errors_fail_fast,
)
from pipelines.framework.sql_assets import sql_asset
from pipelines.resources import SourcesResource, WarehouseResource

SQL_DIR = Path(__file__).with_name("sql")


def registry(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The typed city registry of this build."""
    return con.execute("select * from staging.cities").df()


@dg.asset(
    key=["raw", "osm_metrics"], group_name="raw", deps=[REGISTRY], retry_policy=RETRY,
    kinds={"api", "osm"},
)  # fmt: skip
def raw_osm_metrics(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """OSM facility counts, road/cycleway lengths and green area per city and metric.

    `ASCN_OSM_PBF` set: read that extract (pyosmium). `ASCN_MODE=live`: Overpass API at
    `ASCN_OVERPASS_URL`, one polite query at a time. Offline default: no OSM measurement (the
    bundled metrics below stand in; other cells stay gaps).
    """
    s = sources.settings
    osm = osm_measurement_source(s)
    catalogue_path = s.catalogue_dir / "osm_metrics.csv"
    boundaries_path = s.reference_dir / "city_boundaries.csv"
    catalogue = load_metric_catalogue(catalogue_path, focus_areas(s))

    def progress(done: int, total: int | None, message: str) -> None:
        context.log.info(f"[{done}/{total}] {message}")

    with warehouse.connect() as con:
        boundaries, rejects = load_city_boundaries(boundaries_path, registry(con))
        with permanent_errors_fail_fast():
            frame = osm.measure(boundaries, catalogue, progress)
        return land(
            context,
            con,
            table="osm_metrics",
            # The boundaries and the metric catalogue decide what was measured (and rejected).
            payload=Payload(
                osm.source,
                osm.uri,
                frame.to_csv(index=False).encode() + file_bytes([boundaries_path, catalogue_path]),
            ),
            parse=lambda: (frame.reindex(columns=METRIC_COLUMNS), rejects),
        )


def _land_bundled(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, table: str, src: BundledMetrics
) -> dg.MaterializeResult:
    return land_files(
        context, warehouse, table=table, source=src.source, paths=src.paths,
        parse=lambda con: src.read(CityMatcher(registry(con))),
    )  # fmt: skip


@dg.asset(key=["raw", "ghsl_street_network"], group_name="raw", deps=[REGISTRY], kinds={"csv"})
def raw_ghsl_street_network(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """GHSL urban-centre attributes and OSM street-network metrics (G. Boeing), 17 pilot cities."""
    return _land_bundled(
        context, warehouse, "ghsl_street_network", street_network_source(sources.settings)
    )


@dg.asset(key=["raw", "health_facilities"], group_name="raw", deps=[REGISTRY], kinds={"csv"})
def raw_health_facilities(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """Official public hospital lists: MIMU Myanmar (2020) and Brunei Ministry of Health."""
    return _land_bundled(
        context, warehouse, "health_facilities", health_facilities_source(sources.settings)
    )


@dg.asset(key=["raw", "sdg_11_2_1"], group_name="raw", deps=[REGISTRY], kinds={"csv"})
def raw_sdg_11_2_1(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """SDG 11.2.1 convenient access to public transport per city (UN SDG database via 360info)."""
    return _land_bundled(context, warehouse, "sdg_11_2_1", sdg_11_2_1_source(sources.settings))


staging_infrastructure = sql_asset(
    key="staging/infrastructure",
    sql_files=[SQL_DIR / "staging_infrastructure.sql"],
    deps=["raw/osm_metrics", "raw/ghsl_street_network", "raw/health_facilities", "raw/sdg_11_2_1"],
    tables=["staging.infrastructure_metrics"],
    description="Infrastructure metrics of every city from every back-end, with OSM timestamp, "
    "boundary and year.",
    group="staging",
)
