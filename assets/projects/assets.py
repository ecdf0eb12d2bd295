"""Development projects: World Bank Projects API, IATI Datastore and the cities' own registers,
landed in `raw` and conformed into `staging.projects` (the marts are built by `marts.py`).

Offline or live is decided once, by the source factories of `sources.py`. Once landed, projects
stay in DuckDB: each step reads the rows it needs (`schema.fetch_frame`) and writes typed
tables (lists as ``VARCHAR[]``, dates as ``DATE``, `schema.typed`).
"""

from datetime import UTC, datetime

import dagster as dg
import duckdb
import pandas as pd

from assets.projects import iati_api, worldbank_projects_api
from assets.projects.conform import conform_iati, conform_worldbank
from assets.projects.currency import add_usd
from assets.projects.linking import link_duplicates
from assets.projects.lookups import (
    Lookups,
    fx_rates_file,
    load_lookups,
    sector_map_file,
)
from assets.projects.project_register import read_project_register
from assets.projects.schema import (
    CONFORMED_DATES,
    CONFORMED_LISTS,
    RAW_TABLE,
    SOURCE_WORLDBANK,
    fetch_frame,
    typed,
)
from assets.projects.sources import (
    Delivery,
    iati_source,
    register_files,
    worldbank_projects_source,
)
from assets.reference.countries import asean_iso2
from pipelines.framework.landing import Payload, file_bytes, land, permanent_errors_fail_fast
from pipelines.framework.rejects import NO_REJECTS, REJECT_COLUMNS
from pipelines.framework.sql_assets import table_counts
from pipelines.framework.versions import build_if_changed, input_version
from pipelines.resources import SourcesResource, WarehouseResource
from pipelines.settings import Settings

REFERENCE = dg.AssetKey(["staging", "reference"])  # staging.cities, staging.focus_areas
RETRY = dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL)


def _land_delivery(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    table: str,
    delivery: Delivery,
    lists: tuple[str, ...],
    dates: tuple[str, ...],
) -> dg.MaterializeResult:
    """Land what a source delivered as `raw.<table>` (read only when the payload changed)."""
    with warehouse.connect() as con:
        return land(
            context,
            con,
            table=table,
            payload=delivery.payload,
            parse=lambda: (typed(delivery.read(), lists, dates), NO_REJECTS),
        )


@dg.asset(key=["raw", "worldbank_projects"], group_name="raw", retry_policy=RETRY, kinds={"api"})
def raw_worldbank_projects(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """World Bank projects in ASEAN (Projects API; offline: the bundled 2013 records)."""
    s = sources.settings
    with permanent_errors_fail_fast():
        delivery = worldbank_projects_source(s).fetch(asean_iso2(s))
    return _land_delivery(
        context, warehouse, "worldbank_projects", delivery,
        worldbank_projects_api.LIST_COLUMNS, worldbank_projects_api.DATE_COLUMNS,
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
        iati_api.LIST_COLUMNS, iati_api.DATE_COLUMNS,
    )  # fmt: skip


@dg.asset(
    key=["raw", "project_register"], group_name="raw", deps=[REFERENCE], kinds={"csv", "xlsx"}
)
def raw_project_register(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """City project registers (CSV/XLSX) from the inbox, plus the bundled documented projects.

    A file that cannot be read at all is rejected whole (one quarantine row naming the file and
    the reason); bad rows are quarantined with row and column; the other files go on.
    """
    s = sources.settings
    files = register_files(s)
    with warehouse.connect() as con:

        def parse() -> tuple[pd.DataFrame, pd.DataFrame]:
            lookups = load_lookups(s, fetch_frame(con, "select * from staging.cities"))
            rows, rejects = [], []
            for path in files:
                try:
                    good, bad = read_project_register(path, lookups)
                except ValueError as exc:
                    context.log.error(f"register rejected: {exc}")
                    # The whole file: no row, field or value to name.
                    whole = {"source_uri": str(path), "reason": str(exc)}
                    good, bad = pd.DataFrame(), pd.DataFrame([whole], columns=REJECT_COLUMNS)
                rows.append(good)
                rejects.append(bad)
            landed = typed(pd.concat(rows, ignore_index=True), CONFORMED_LISTS, CONFORMED_DATES)
            return landed, pd.concat(rejects, ignore_index=True)

        return land(
            context,
            con,
            table="project_register",
            payload=Payload("project_register", ";".join(str(p) for p in files), file_bytes(files)),
            parse=parse,
            metadata={"files": dg.MetadataValue.json([p.name for p in files])},
        )


@dg.asset(
    key=["staging", "projects"],
    group_name="staging",
    deps=[
        dg.AssetKey(["raw", "worldbank_projects"]),
        dg.AssetKey(["raw", "iati_activities"]),
        dg.AssetKey(["raw", "project_register"]),
        REFERENCE,
    ],
    kinds={"duckdb", "pandas"},
)
def staging_projects(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """One conformed project table: city, focus area, lifecycle status, cost in USD (rate and
    year recorded), and `project_key`/`is_primary` linking one project reported by several
    sources so it is counted once."""
    s = sources.settings
    files = [sector_map_file(s), fx_rates_file(s), s.reference_dir / "countries.csv"]
    as_of = datetime.now(UTC).year  # status and registers hold as of this year
    with warehouse.connect() as con:
        version = input_version(context, con, files=files, extra=[str(as_of)])
        return build_if_changed(context, con, version, lambda: _conform_projects(con, s, as_of))


def _conform_projects(
    con: duckdb.DuckDBPyConnection, settings: Settings, as_of: int
) -> dict[str, dg.MetadataValue]:
    lookups = load_lookups(settings, fetch_frame(con, "select * from staging.cities"))
    rates = pd.read_csv(fx_rates_file(settings))
    conformed = link_duplicates(add_usd(_conformed_sources(con, lookups, as_of), rates))
    conformed["vintage"] = (
        conformed["source_id"]
        .map({SOURCE_WORLDBANK: "World Bank Projects API record"})
        .fillna(str(as_of))
    )
    conformed["provenance"] = (
        "raw." + conformed["source_id"].map(RAW_TABLE) + "#"
        + conformed["source_project_id"].astype(str)
    )  # fmt: skip
    projects = typed(conformed, CONFORMED_LISTS, CONFORMED_DATES)  # noqa: F841 - read by DuckDB
    con.execute("create or replace table staging.projects as select * from projects")
    meta = table_counts(con, ["staging.projects"])
    meta["by_source"] = dg.MetadataValue.json(conformed["source_id"].value_counts().to_dict())
    return meta


def _conformed_sources(
    con: duckdb.DuckDBPyConnection, lookups: Lookups, as_of: int
) -> pd.DataFrame:
    """The raw rows of every source in the conformed columns, with the year their status holds."""
    wb = fetch_frame(con, "select * from raw.worldbank_projects")
    iati = fetch_frame(con, "select * from raw.iati_activities")
    reg = fetch_frame(con, "select * from raw.project_register")
    parts = [conform_worldbank(wb, lookups).assign(as_of_year=_wb_year(wb, as_of))]
    if not iati.empty:
        parts.append(conform_iati(iati, lookups).assign(as_of_year=as_of))
    if not reg.empty:
        lineage = [c for c in reg if c.startswith("_")]
        parts.append(reg.drop(columns=lineage).assign(as_of_year=as_of))
    return pd.concat(parts, ignore_index=True)


def _wb_year(wb: pd.DataFrame, default: int) -> int:
    """Status of World Bank records holds as of their newest board approval (snapshot year)."""
    years = pd.to_datetime(wb.get("board_approval_date"), errors="coerce").dt.year.dropna()
    return int(years.max()) if len(years) else default
