"""Population: city figures (censuses, UN WUP 2018, GHSL) and national context (World Bank)."""

from pathlib import Path

import dagster as dg
import pandas as pd

from assets.population.parse import (
    read_census_figures,
    read_ghsl_urban_centres,
    read_national_snapshot,
    read_wup2018,
)
from assets.population.worldbank_api import WorldBankClient
from pipelines.framework.landing import (
    Payload,
    file_bytes,
    land,
    land_files,
    permanent_errors_fail_fast,
)
from pipelines.framework.rejects import NO_REJECTS
from pipelines.framework.sql_assets import sql_asset
from pipelines.resources import SourcesResource, WarehouseResource

SQL_DIR = Path(__file__).with_name("sql")

ASEAN_ISO3 = ["BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"]
RETRY = dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL)
REGISTRY = dg.AssetKey(["staging", "reference"])


def registry_ids(con) -> set[str]:
    return {r[0] for r in con.execute("select city_id from staging.cities").fetchall()}


@dg.asset(key=["raw", "census_population"], group_name="raw", deps=[REGISTRY], kinds={"csv"})
def raw_census_population(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """Official city, province and metro population figures (censuses, statistics offices)."""
    path = sources.settings.sources_dir / "population" / "census_city_figures.csv"
    return land_files(
        context, warehouse, table="census_population", source="census_city", paths=[path],
        parse=lambda con: read_census_figures(path, registry_ids(con)),
    )  # fmt: skip


@dg.asset(key=["raw", "wup2018_population"], group_name="raw", deps=[REGISTRY], kinds={"csv"})
def raw_wup2018_population(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """UN World Urbanization Prospects 2018, File 22: agglomerations of 300,000 or more."""
    path = sources.settings.sources_dir / "population" / "un_wup2018_f22_ascn_cities.csv"
    return land_files(
        context, warehouse, table="wup2018_population", source="un_wup2018", paths=[path],
        parse=lambda con: read_wup2018(path, registry_ids(con)), vintage="WUP 2018 revision",
    )  # fmt: skip


@dg.asset(key=["raw", "ghsl_urban_centres"], group_name="raw", deps=[REGISTRY], kinds={"csv"})
def raw_ghsl_urban_centres(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """GHSL Urban Centre Database 2015 (R2019A): resident population and area per urban centre."""
    folder = sources.settings.sources_dir / "ghsl"
    path = folder / "ghsl_ucdb2015_via_boeing_street_network_indicators_ascn.csv"
    return land_files(
        context, warehouse, table="ghsl_urban_centres", source="ghsl_ucdb2015", paths=[path],
        parse=lambda con: read_ghsl_urban_centres(path, registry_ids(con)),
        vintage="GHS-UCDB R2019A",
    )  # fmt: skip


@dg.asset(key=["raw", "worldbank_indicators"], group_name="raw", retry_policy=RETRY, kinds={"api"})
def raw_worldbank_indicators(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """National context for the 10 ASEAN countries from the World Bank Indicators API v2.

    Offline: the bundled snapshots in `data/sources/worldbank/`. Live (`ASCN_MODE=live`): the API
    at `ASCN_WORLDBANK_API_URL`, one request series per indicator, `lastupdated` as vintage.
    """
    settings = sources.settings
    if settings.live:
        with permanent_errors_fail_fast():
            frame = fetch_worldbank_live(sources)
        payload = Payload(
            "worldbank_indicators",
            settings.worldbank_api_url,
            frame.to_csv(index=False).encode(),
            ",".join(sorted(frame["vintage"].dropna().unique())),
        )
    else:
        folder = settings.sources_dir / "worldbank"
        files = sorted(p for p in folder.iterdir() if p.suffix in {".csv", ".json"})
        frame = None
        payload = Payload(
            "worldbank_indicators",
            str(folder),
            file_bytes(files),
            "bundled snapshots (see data/SOURCES.md)",
        )
    with warehouse.connect() as con:
        return land(
            context,
            con,
            table="worldbank_indicators",
            payload=payload,
            parse=lambda: (
                frame if frame is not None else read_national_snapshot(folder),
                NO_REJECTS,
            ),
        )


def fetch_worldbank_live(sources: SourcesResource) -> pd.DataFrame:
    settings = sources.settings
    series = pd.read_csv(settings.data_dir / "catalogue" / "national_series.csv", dtype=str)
    client = WorldBankClient(settings.worldbank_api_url, sources.http("worldbank_indicators"))
    # `api_code` is what the API serves; `indicator_code` is how we store it. The API's current
    # NY.GDP.PCAP.PP.KD is the 2021-PPP edition (WDI moved to ICP 2021 in 2024); the 2011-PPP
    # edition exists only in the bundled snapshot, so it has no api_code.
    pairs = series.dropna(subset=["api_code"]).drop_duplicates("indicator_code")
    frames = [
        client.fetch_indicator(api_code, ASEAN_ISO3, date="2000:2030").records.assign(
            indicator_code=code,
            source_file=f"{settings.worldbank_api_url}/country/.../indicator/{api_code}",
        )
        for code, api_code in sorted(zip(pairs["indicator_code"], pairs["api_code"], strict=True))
    ]
    return pd.concat(frames, ignore_index=True)


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
