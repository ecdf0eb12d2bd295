"""Infrastructure from OpenStreetMap (Overpass live, or a local .osm.pbf extract) and bundled
real metrics (GHSL urban centres with OSM street networks, official hospital lists, SDG 11.2.1).

Which back-end measures OSM, and where the bundled files are, is decided in `sources.py`."""

from collections.abc import Callable, Sequence
from pathlib import Path

import dagster as dg
import pandas as pd

from assets.infrastructure.boundaries import load_city_boundaries
from assets.infrastructure.metric_catalogue import catalogue_ranges, load_metric_catalogue
from assets.infrastructure.metric_rows import OSM_COLUMNS, metric_doc
from assets.infrastructure.overpass import CityCost
from assets.infrastructure.sources import (
    BundledMetrics,
    health_facilities_source,
    osm_measurement_source,
    sdg_11_2_1_source,
    street_network_source,
)
from assets.reference.cities import registry_matcher, staged_registry
from assets.reference.vocabularies import focus_areas
from pipelines.framework.asset_defaults import REGISTRY, RETRY
from pipelines.framework.landing import (
    BundledFiles,
    Payload,
    bundled_files_asset,
    file_bytes,
    land,
    permanent_errors_fail_fast,
)
from pipelines.framework.sql_assets import table_counts
from pipelines.framework.versions import build_if_changed, input_version
from pipelines.resources import SourcesResource, WarehouseResource
from pipelines.settings import Settings
from warehouse.db import run_sql_file

SQL_DIR = Path(__file__).with_name("sql")


@dg.asset(
    key=["raw", "osm_metrics"], group_name="raw", deps=[REGISTRY], retry_policy=RETRY,
    kinds={"api", "osm"},
)  # fmt: skip
def raw_osm_metrics(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """OSM facility counts, road/cycleway lengths and green area per city, measurement area
    (the standard 5 km and 10 km rings, and the city's admin polygon where one is held) and
    metric.

    `ASCN_OSM_PBF` set: read that extract (pyosmium, filtered in C++). `ASCN_MODE=live`:
    Overpass API at `ASCN_OVERPASS_URL`, at most two queries per city, one at a time; requests
    and bytes per city in the metadata and the run log. Offline default: no OSM measurement
    (the bundled metrics below stand in; other cells stay gaps).
    """
    s = sources.settings
    osm = osm_measurement_source(s)
    catalogue_path = s.catalogue_dir / "osm_metrics.csv"
    boundaries_path = s.reference_dir / "city_boundaries.csv"
    polygon_dir = s.sources_dir / "infrastructure"
    catalogue = load_metric_catalogue(catalogue_path, focus_areas(s))

    def progress(done: int, total: int | None, message: str) -> None:
        context.log.info(f"[{done}/{total}] {message}" if total else message)

    with warehouse.connect() as con:
        cities, rejects = load_city_boundaries(boundaries_path, staged_registry(con), polygon_dir)
        with permanent_errors_fail_fast():
            result = osm.measure(cities, catalogue, progress)
        polygons = sorted(polygon_dir.glob("*.geojson"))
        meta = cost_metadata(result.costs)
        if result.costs:
            context.log.info(
                f"osm_overpass: {meta['requests'].value} request(s), "
                f"{meta['bytes_fetched'].value:,} bytes for {len(result.costs)} cities"
            )
        return land(
            context,
            con,
            table="osm_metrics",
            # The areas and the metric catalogue decide what was measured (and rejected).
            payload=Payload(
                osm.source,
                osm.uri,
                result.frame.to_csv(index=False).encode()
                + file_bytes([boundaries_path, catalogue_path, *polygons]),
            ),
            parse=lambda: (
                result.frame.reindex(columns=OSM_COLUMNS),
                pd.concat([rejects, result.rejects], ignore_index=True),
            ),
            metadata=meta,
            doc=metric_doc(
                "OSM measurements of the pilot cities (live Overpass API or a local extract; "
                "empty offline): one row per city, metric and measurement area (the 5 km and "
                "10 km rings, the admin polygon where held), with the area measured."
            ),
        )


def cost_metadata(costs: Sequence[CityCost]) -> dict[str, dg.MetadataValue]:
    """Requests and bytes per city (live Overpass), for the asset's metadata."""
    if not costs:
        return {}
    table = "| city | requests | bytes | kept answers reused |\n|---|---:|---:|---:|\n" + "".join(
        f"| {c.city_id} | {c.requests} | {c.bytes:,} | {c.reused} |\n" for c in costs
    )
    return {
        "requests": dg.MetadataValue.int(sum(c.requests for c in costs)),
        "bytes_fetched": dg.MetadataValue.int(sum(c.bytes for c in costs)),
        "max_requests_per_city": dg.MetadataValue.int(max(c.requests for c in costs)),
        "cost_per_city": dg.MetadataValue.md(table),
    }


def _bundled_metrics_asset(
    table: str, source: Callable[[Settings], BundledMetrics], description: str, table_doc: str
) -> dg.AssetsDefinition:
    """`raw/<table>`: a bundled published source, its cities matched against the registry;
    `table_doc` is the raw table's COMMENT ON description."""

    def files(settings: Settings) -> BundledFiles:
        src = source(settings)
        return BundledFiles(
            src.source, src.paths, lambda con: src.read(registry_matcher(con)),
            doc=metric_doc(table_doc),
        )  # fmt: skip

    return bundled_files_asset(table, files, description=description, deps=[REGISTRY])


raw_ghsl_street_network = _bundled_metrics_asset(
    "ghsl_street_network", street_network_source,
    "GHSL urban-centre attributes and OSM street-network metrics (G. Boeing), 17 pilot cities.",
    "GHSL UCDB 2015 urban-centre attributes and OSM street-network metrics (G. Boeing) of the "
    "pilot cities' urban centres, one row per city and metric (data/sources/ghsl/).",
)  # fmt: skip
raw_health_facilities = _bundled_metrics_asset(
    "health_facilities", health_facilities_source,
    "Official public hospital lists: MIMU Myanmar (2020) and Brunei Ministry of Health.",
    "Public health facilities from official lists (MIMU Myanmar 2020: hospitals and their bed "
    "classes; Brunei Ministry of Health: hospitals and health centres), one row per city and "
    "metric (data/sources/infrastructure/).",
)  # fmt: skip
raw_sdg_11_2_1 = _bundled_metrics_asset(
    "sdg_11_2_1", sdg_11_2_1_source,
    "SDG 11.2.1 convenient access to public transport per city (UN SDG database via 360info).",
    "SDG 11.2.1: share of the population with convenient access to public transport, per UN "
    "SDG city (UN SDG Global Database via 360info), one row per city and metric.",
)  # fmt: skip


@dg.asset(
    key=["staging", "infrastructure"],
    deps=[
        dg.AssetKey(["raw", k])
        for k in ("osm_metrics", "ghsl_street_network", "health_facilities", "sdg_11_2_1")
    ]
    + [dg.AssetKey(["staging", "population"]), REGISTRY],
    group_name="staging",
    kinds={"duckdb", "sql"},
)
def staging_infrastructure(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """Infrastructure metrics of every city from every back-end, with OSM timestamp, boundary,
    measurement area, year and plausibility (ranges of data/catalogue/osm_metrics.csv)."""
    s = sources.settings
    # The catalogue's ranges are an input: their bytes are in raw.osm_metrics' content hash.
    catalogue = load_metric_catalogue(s.catalogue_dir / "osm_metrics.csv", focus_areas(s))
    ranges = catalogue_ranges(catalogue)
    with warehouse.connect() as con:

        def build() -> dict[str, dg.MetadataValue]:
            con.register("osm_metric_ranges", ranges)
            try:
                run_sql_file(con, SQL_DIR / "staging_infrastructure.sql")
            finally:
                con.unregister("osm_metric_ranges")
            meta = table_counts(con, ["staging.infrastructure_metrics"])
            flagged = con.execute(
                "select count(*) from staging.infrastructure_metrics where implausible"
            ).fetchall()[0][0]
            meta["implausible_values"] = dg.MetadataValue.int(int(flagged))
            return meta

        return build_if_changed(context, con, input_version(context, con), build)
