"""Infrastructure from OpenStreetMap (Overpass live, or a local .osm.pbf extract) and bundled
real metrics (GHSL urban centres with OSM street networks, official hospital lists, SDG 11.2.1)."""

import math
from pathlib import Path

import dagster as dg
import pandas as pd

from assets.infrastructure.overpass_client import Boundary, OverpassClient
from assets.infrastructure.parse import (
    load_city_boundaries,
    load_metric_catalogue,
    measure_with_extract,
    measure_with_overpass,
    read_bundled_facilities,
    read_bundled_street_network,
    read_sdg_11_2_1,
)
from assets.population.assets import REGISTRY, RETRY
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

METRIC_COLUMNS = [
    "city_id", "metric_id", "value", "unit", "boundary_type", "boundary_ref", "osm_timestamp",
    "source_id", "source_uri", "reference_period", "notes",
]  # fmt: skip
OFFLINE_NOTE = "offline: no OSM measurement (set ASCN_MODE=live or ASCN_OSM_PBF)"


def registry(con) -> pd.DataFrame:
    return con.execute("select * from staging.cities").df()


def measured_area_rows(boundaries: list[Boundary], vintage: str | None, source: str) -> list[dict]:
    """Area of each measured radius or bounding box, so per-km2 indicators use the same area."""
    rows = []
    for b in boundaries:
        if b.kind == "radius" and b.radius_km:
            area = math.pi * b.radius_km**2
        elif b.kind == "bbox":
            mid = math.radians((b.north + b.south) / 2)
            area = (b.north - b.south) * 111.32 * (b.east - b.west) * 111.32 * math.cos(mid)
        else:  # relation areas are not measured here
            continue
        rows.append(
            {"city_id": b.city_id, "metric_id": "land_area_km2", "value": area, "unit": "km2",
             "boundary_type": b.boundary_type, "boundary_ref": b.ref, "osm_timestamp": vintage,
             "source_id": source, "source_uri": "data/reference/city_boundaries.csv",
             "reference_period": (vintage or "")[:10] or None,
             "notes": "area of the measured boundary (geometry, not a published figure)"}
        )  # fmt: skip
    return rows


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
    catalogue_path = s.data_dir / "catalogue" / "osm_metrics.csv"
    boundaries_path = s.data_dir / "reference" / "city_boundaries.csv"
    catalogue = load_metric_catalogue(catalogue_path)

    def progress(done: int, total: int, message: str) -> None:
        context.log.info(f"[{done}/{total}] {message}")

    with warehouse.connect() as con:
        boundaries, rejects = load_city_boundaries(boundaries_path, registry(con))
        if s.osm_pbf:
            with permanent_errors_fail_fast():
                frame = measure_with_extract(s.osm_pbf, boundaries, catalogue, progress=progress)
            source, uri = "osm_extract", str(s.osm_pbf)
        elif s.live:
            client = OverpassClient(s.overpass_url, sources.http("osm_overpass"))
            with permanent_errors_fail_fast():
                frame = measure_with_overpass(client, boundaries, catalogue, progress=progress)
            source, uri = "osm_overpass", s.overpass_url
        else:
            frame, source, uri = pd.DataFrame(columns=METRIC_COLUMNS), "osm", OFFLINE_NOTE
        if not frame.empty:
            vintage = frame["osm_timestamp"].dropna().max()
            frame = pd.concat(
                [frame, pd.DataFrame(measured_area_rows(boundaries, vintage, source))]
            )
        return land(
            context,
            con,
            table="osm_metrics",
            # The boundaries and the metric catalogue decide what was measured (and rejected).
            payload=Payload(
                source,
                uri,
                frame.to_csv(index=False).encode() + file_bytes([boundaries_path, catalogue_path]),
            ),
            parse=lambda: (frame.reindex(columns=METRIC_COLUMNS), rejects),
        )


@dg.asset(key=["raw", "ghsl_street_network"], group_name="raw", deps=[REGISTRY], kinds={"csv"})
def raw_ghsl_street_network(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """GHSL urban-centre attributes and OSM street-network metrics (G. Boeing), 17 pilot cities."""
    folder = sources.settings.sources_dir / "ghsl"
    data = folder / "ghsl_ucdb2015_via_boeing_street_network_indicators_ascn.csv"
    meta = folder / "ghsl_ucdb2015_via_boeing_street_network_indicators_metadata.csv"
    return land_files(
        context, warehouse, table="ghsl_street_network", source="ghsl_street_network",
        paths=[data, meta],
        parse=lambda con: read_bundled_street_network(data, registry(con), meta),
    )  # fmt: skip


@dg.asset(key=["raw", "health_facilities"], group_name="raw", deps=[REGISTRY], kinds={"csv"})
def raw_health_facilities(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """Official public hospital lists: MIMU Myanmar (2020) and Brunei Ministry of Health."""
    folder = sources.settings.sources_dir / "infrastructure"
    mimu = folder / "mmr_mimu_public_hospitals_2020_ascn_cities.csv"
    brn = folder / "brn_moh_public_hospitals_health_centres.csv"
    return land_files(
        context, warehouse, table="health_facilities", source="health_facilities",
        paths=[mimu, brn], parse=lambda con: read_bundled_facilities(mimu, brn, registry(con)),
    )  # fmt: skip


@dg.asset(key=["raw", "sdg_11_2_1"], group_name="raw", deps=[REGISTRY], kinds={"csv"})
def raw_sdg_11_2_1(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """SDG 11.2.1 convenient access to public transport per city (UN SDG database via 360info)."""
    path = (
        sources.settings.sources_dir
        / "infrastructure"
        / "sdg_11_2_1_public_transport_access_asean_cities.csv"
    )
    return land_files(
        context, warehouse, table="sdg_11_2_1", source="sdg_11_2_1", paths=[path],
        parse=lambda con: read_sdg_11_2_1(path, registry(con)),
    )  # fmt: skip


staging_infrastructure = sql_asset(
    key="staging/infrastructure",
    sql_files=[SQL_DIR / "staging_infrastructure.sql"],
    deps=["raw/osm_metrics", "raw/ghsl_street_network", "raw/health_facilities", "raw/sdg_11_2_1"],
    tables=["staging.infrastructure_metrics"],
    description="Infrastructure metrics of every city from every back-end, with OSM timestamp, "
    "boundary and year.",
    group="staging",
)
