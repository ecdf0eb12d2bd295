"""Population: city figures (censuses, UN WUP 2018, GHSL) and national context (World Bank)."""

from pathlib import Path

import dagster as dg
import duckdb

from assets.population.census import CENSUS_DOC, read_census_figures
from assets.population.ghsl import GHSL_DOC, read_ghsl_urban_centres
from assets.population.national import WORLDBANK_DOC
from assets.population.sources import worldbank_indicators_source
from assets.population.worldbank_page import SOURCE
from assets.population.wup import WUP_DOC, read_wup2018
from assets.reference.cities import registry_matcher
from assets.reference.vocabularies import boundary_types
from pipelines.framework.asset_defaults import REGISTRY, RETRY
from pipelines.framework.http_traffic import log_traffic, traffic_metadata
from pipelines.framework.landing import (
    BundledFiles,
    bundled_files_asset,
    land,
    permanent_errors_fail_fast,
)
from pipelines.framework.sql_assets import sql_asset
from pipelines.resources import SourcesResource, WarehouseResource
from pipelines.settings import Settings

SQL_DIR = Path(__file__).with_name("sql")


def registry_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("select city_id from staging.cities").fetchall()}


def _census_files(settings: Settings) -> BundledFiles:
    path = settings.sources_dir / "population" / "census_city_figures.csv"
    return BundledFiles(
        "census_city", [path],
        lambda con: read_census_figures(path, registry_ids(con), boundary_types(settings)),
        doc=CENSUS_DOC,
    )  # fmt: skip


def _wup2018_files(settings: Settings) -> BundledFiles:
    path = settings.sources_dir / "population" / "un_wup2018_f22_ascn_cities.csv"
    return BundledFiles(
        "un_wup2018", [path], lambda con: read_wup2018(path, registry_matcher(con)),
        vintage="WUP 2018 revision", doc=WUP_DOC,
    )  # fmt: skip


def _ghsl_files(settings: Settings) -> BundledFiles:
    folder = settings.sources_dir / "ghsl"
    path = folder / "ghsl_ucdb2015_via_boeing_street_network_indicators_ascn.csv"
    return BundledFiles(
        "ghsl_ucdb2015", [path], lambda con: read_ghsl_urban_centres(path, registry_matcher(con)),
        vintage="GHS-UCDB R2019A", doc=GHSL_DOC,
    )  # fmt: skip


raw_census_population = bundled_files_asset(
    "census_population", _census_files, deps=[REGISTRY],
    description="Official city, province and metro population figures (censuses, statistics "
    "offices).",
)  # fmt: skip
raw_wup2018_population = bundled_files_asset(
    "wup2018_population", _wup2018_files, deps=[REGISTRY],
    description="UN World Urbanization Prospects 2018, File 22: agglomerations of 300,000 or more.",
)  # fmt: skip
raw_ghsl_urban_centres = bundled_files_asset(
    "ghsl_urban_centres", _ghsl_files, deps=[REGISTRY],
    description="GHSL Urban Centre Database 2015 (R2019A): resident population and area per urban "
    "centre.",
)  # fmt: skip


@dg.asset(key=["raw", "worldbank_indicators"], group_name="raw", retry_policy=RETRY, kinds={"api"})
def raw_worldbank_indicators(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """National context for the 10 ASEAN countries from the World Bank Indicators API v2.

    Offline: the bundled snapshots in `data/sources/worldbank/`. Live (`ASCN_MODE=live`): the API
    at `ASCN_WORLDBANK_API_URL`, one request series per indicator, `lastupdated` as vintage;
    every answer checked against its request, kept answers reused (a retry asks only for what
    failed), the request and byte counts in the metadata (`http_*`) and the log.
    """
    source = worldbank_indicators_source(sources.settings)
    try:
        with permanent_errors_fail_fast():
            delivery = source.fetch()
    finally:  # the request and byte counts, also of a failed fetch
        log_traffic(context, SOURCE, source.traffic)
    with warehouse.connect() as con:
        return land(
            context, con, table="worldbank_indicators", payload=delivery.payload,
            parse=delivery.parse, metadata=traffic_metadata(source.traffic), doc=WORLDBANK_DOC,
        )  # fmt: skip


staging_population = sql_asset(
    key="staging/population",
    sql_files=[SQL_DIR / "staging_population.sql"],
    deps=[
        "raw/census_population",
        "raw/wup2018_population",
        "raw/ghsl_urban_centres",
        "raw/worldbank_indicators",
        "staging/reference",
    ],
    tables=["staging.population_figures", "staging.country_indicators"],
    description="Every city population figure side by side (with boundary type and source), "
    "and the national World Bank series.",
    group="staging",
)
