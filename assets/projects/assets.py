"""Development projects: World Bank Projects (API, bundled records or a downloaded export), IATI
Datastore, AidData GCDF locations and the cities' own registers, landed in `raw`; conformed into
the staging tables by `staging.py` (the marts are built by `marts.py`).

Offline or live is decided once, by the source factories of `sources.py`. Once landed, projects
stay in DuckDB: each step reads the rows it needs (`schema.fetch_frame`) and writes typed
tables (lists as ``VARCHAR[]``, dates as ``DATE``, `schema.typed`).
"""

from collections.abc import Mapping

import dagster as dg
import pandas as pd
import pyarrow as pa

from assets.projects import aiddata, iati_docs, worldbank_records
from assets.projects.lookups import country_names, load_lookups
from assets.projects.register_landing import land_registers
from assets.projects.schema import fetch_frame, typed
from assets.projects.sources import (
    aiddata_source,
    iati_source,
    register_listing,
    worldbank_projects_source,
)
from assets.projects.staging import aiddata_city_links
from assets.reference.countries import asean_iso2
from pipelines.framework.asset_defaults import REGISTRY, RETRY
from pipelines.framework.inbox import InboxMissingError
from pipelines.framework.landing import Delivery, land, permanent_errors_fail_fast
from pipelines.framework.sql_assets import table_counts
from pipelines.framework.versions import build_if_changed, input_version
from pipelines.resources import SourcesResource, WarehouseResource
from warehouse.db import (
    LINEAGE_DESCRIPTIONS,
    PROVENANCE_DESCRIPTIONS,
    TableDoc,
    describe_table,
)


def _land_delivery(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    table: str,
    delivery: Delivery,
    lists: tuple[str, ...],
    dates: tuple[str, ...],
    structs: Mapping[str, pa.DataType] | None = None,
    doc: TableDoc | None = None,
) -> dg.MaterializeResult:
    """Land what a source delivered as `raw.<table>` (read only when the payload changed),
    described by `doc`."""

    def parse() -> tuple[pd.DataFrame, pd.DataFrame]:
        rows, rejects = delivery.parse()
        return typed(rows, lists, dates, structs), rejects

    with warehouse.connect() as con:
        return land(context, con, table=table, payload=delivery.payload, parse=parse, doc=doc)


@dg.asset(key=["raw", "worldbank_projects"], group_name="raw", retry_policy=RETRY, kinds={"api"})
def raw_worldbank_projects(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """World Bank projects in ASEAN with locations, sector shares and financiers (a downloaded
    projects-list export when ASCN_WORLDBANK_PROJECTS_EXPORT_DIR is set; else the Projects API
    live, the bundled 2013 records offline). Each status carries its as-of date."""
    s = sources.settings
    with permanent_errors_fail_fast():
        delivery = worldbank_projects_source(s, country_names(s)).fetch(asean_iso2(s))
    return _land_delivery(
        context, warehouse, "worldbank_projects", delivery,
        worldbank_records.LIST_COLUMNS, worldbank_records.DATE_COLUMNS,
        worldbank_records.STRUCT_COLUMNS, worldbank_records.DOC,
    )  # fmt: skip


@dg.asset(key=["raw", "iati_activities"], group_name="raw", retry_policy=RETRY, kinds={"api"})
def raw_iati_activities(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """IATI Datastore activities in ASEAN (ADB, JICA and every other publisher). Live only:
    needs `IATI_API_KEY`. Offline there is no bundled IATI snapshot, so the table is empty."""
    s = sources.settings
    with permanent_errors_fail_fast():
        delivery = iati_source(s).fetch(asean_iso2(s))
    return _land_delivery(
        context, warehouse, "iati_activities", delivery,
        iati_docs.LIST_COLUMNS, iati_docs.DATE_COLUMNS, iati_docs.STRUCT_COLUMNS, iati_docs.DOC,
    )  # fmt: skip


@dg.asset(key=["raw", "aiddata_gcdf_locations"], group_name="raw", kinds={"csv"})
def raw_aiddata_gcdf_locations(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """AidData GCDF 3.0 ADM1/ADM2 location rows (constant 2021 US$; ODC-By 1.0) from the
    files of ASCN_AIDDATA_GCDF_DIR. Not bundled: offline by default there are none."""
    with permanent_errors_fail_fast():
        delivery = aiddata_source(sources.settings)
    return _land_delivery(
        context, warehouse, "aiddata_gcdf_locations", delivery, (), (), doc=aiddata.DOC
    )


@dg.asset(
    key=["staging", "aiddata_locations"],
    group_name="staging",
    deps=[dg.AssetKey(["raw", "aiddata_gcdf_locations"]), REGISTRY],
    kinds={"duckdb", "pandas"},
)
def staging_aiddata_locations(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """AidData GCDF rows with the registry city each belongs to (ADM1 = the city's province,
    ADM2 = the city's unit), amounts in constant 2021 US$ kept apart from current US$."""
    s = sources.settings
    with warehouse.connect() as con:

        def build() -> dict[str, dg.MetadataValue]:
            lookups = load_lookups(s, fetch_frame(con, "select * from staging.cities"))
            raw = fetch_frame(
                con, "select * exclude (_source, _retrieved_at, _content_hash, _run_id) "
                "from raw.aiddata_gcdf_locations"
            )  # fmt: skip
            linked = aiddata_city_links(raw, lookups)
            rows = linked.astype(_AIDDATA_TYPES)  # noqa: F841 - read by DuckDB
            con.execute("create or replace table staging.aiddata_locations as select * from rows")
            describe_table(con, "staging.aiddata_locations", AIDDATA_LOCATIONS_DOC)
            meta = table_counts(con, ["staging.aiddata_locations"])
            meta["licence"] = dg.MetadataValue.text(aiddata.LICENCE)
            return meta

        version = input_version(context, con)
        return build_if_changed(context, con, version, build)


AIDDATA_LOCATIONS_DOC = TableDoc(
    "AidData GCDF 3.0 rows (raw.aiddata_gcdf_locations) with the registry city each belongs to "
    "(ADM1 = the city's province, ADM2 = the city's unit): one row per raw row and city, a row "
    "of no registry city once with city_id null.",
    {
        **aiddata.DESCRIPTIONS,
        "source_file": PROVENANCE_DESCRIPTIONS["source_file"],
        "source_row": PROVENANCE_DESCRIPTIONS["source_row"],
        "_source_uri": LINEAGE_DESCRIPTIONS["_source_uri"],
        "city_id": "Registry city the unit belongs to (null: none)",
        "match_level": "How: province_containing_city (ADM1) or admin_unit_of_city (ADM2)",
        "evidence": "Why the unit is the city's, in words",
    },
)
# Explicit types: with no file supplied the frame is empty and DuckDB could not infer them.
_AIDDATA_TYPES = {
    **{c: "string" for c in aiddata.COLUMNS},
    "adm_level": "Int64",
    "source_row": "Int64",
    **{c: "float64" for c in ("intersection_ratio", "even_split_ratio",
                              "intersection_value_usd2021", "even_split_value_usd2021",
                              "centroid_lon", "centroid_lat")},
    "_source_uri": "string",
    "city_id": "string",
    "match_level": "string",
    "evidence": "string",
}  # fmt: skip


@dg.asset(key=["raw", "project_register"], group_name="raw", deps=[REGISTRY], kinds={"csv", "xlsx"})
def raw_project_register(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """City project registers (CSV/XLSX) from the inbox, plus the bundled documented projects.

    Each file is read on its own: one that cannot be read is refused whole (a quarantine row and
    a feedback row naming it) and the others go on; bad rows are quarantined with row and column;
    a file that turns bad or disappears keeps its last good rows published
    (`register_batch`). `quarantine.file_feedback` tells the data officers what became of each
    file. An inbox setting naming a missing folder fails this step (nothing is removed).
    """
    s = sources.settings
    try:
        listing = register_listing(s)
    except InboxMissingError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    with warehouse.connect() as con:
        return land_registers(context, con, s, listing)
