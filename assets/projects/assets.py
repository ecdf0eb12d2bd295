"""Development projects: World Bank Projects API, IATI Datastore and the cities' own registers,
conformed into one table, with portfolio, donor-coordination and business-matching marts."""

import json
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pandas as pd

from assets.population.assets import ASEAN_ISO3, REGISTRY, RETRY
from assets.projects.iati_api import IatiClient
from assets.projects.parse import (
    add_usd,
    conform_iati,
    conform_worldbank,
    link_duplicates,
    load_sector_map,
    match_companies,
    read_company_register,
    read_project_register,
)
from assets.projects.worldbank_projects_api import WorldBankProjectsClient, parse_projects_payload
from pipelines.framework import inbox
from pipelines.framework.landing import (
    Payload,
    file_bytes,
    land,
    permanent_errors_fail_fast,
)
from pipelines.framework.rejects import NO_REJECTS
from pipelines.framework.sql_assets import table_counts
from pipelines.framework.versions import build_if_changed, input_version
from pipelines.resources import SourcesResource, WarehouseResource
from warehouse.db import quarantine, run_sql_file

SQL_DIR = Path(__file__).with_name("sql")

ASEAN_ISO2 = ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"]
assert len(ASEAN_ISO2) == len(ASEAN_ISO3)


def to_storable(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists and dates as JSON/ISO text so any source lands in DuckDB with stable types."""
    out = frame.copy()
    for column in out.columns:
        if out[column].map(lambda v: isinstance(v, list | tuple | dict)).any():
            out[column] = out[column].map(
                lambda v: (
                    json.dumps(list(v) if isinstance(v, tuple) else v, ensure_ascii=False)
                    if isinstance(v, list | tuple | dict)
                    else v
                )
            )
        elif out[column].dtype == object:
            out[column] = out[column].map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v)
    return out


def from_storable(frame: pd.DataFrame, list_columns: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for column in list_columns:
        if column in out:
            out[column] = out[column].map(
                lambda v: json.loads(v) if isinstance(v, str) and v.startswith("[") else []
            )
    return out


@dg.asset(key=["raw", "worldbank_projects"], group_name="raw", retry_policy=RETRY, kinds={"api"})
def raw_worldbank_projects(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """World Bank projects in ASEAN (Projects API; offline: the bundled 2013 records)."""
    s = sources.settings
    if s.live:
        client = WorldBankProjectsClient(
            s.worldbank_projects_api_url, sources.http("worldbank_projects")
        )
        with permanent_errors_fail_fast():
            result = client.fetch_projects(ASEAN_ISO2)
        frame, uri = result.frame, s.worldbank_projects_api_url
        data = json.dumps(result.records, sort_keys=True).encode()
    else:
        path = s.sources_dir / "projects" / "worldbank_projects_asean_2013.json"
        data, uri = path.read_bytes(), str(path)
        frame = parse_projects_payload(json.loads(data), uri)
    with warehouse.connect() as con:
        return land(
            context,
            con,
            table="worldbank_projects",
            payload=Payload("worldbank_projects", uri, data),
            parse=lambda: (to_storable(frame), NO_REJECTS),
        )


@dg.asset(key=["raw", "iati_activities"], group_name="raw", retry_policy=RETRY, kinds={"api"})
def raw_iati_activities(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """IATI Datastore activities in ASEAN (ADB, JICA and every other publisher). Live only:
    needs `IATI_API_KEY`. Offline there is no bundled IATI snapshot, so the table is empty."""
    s = sources.settings
    if s.live:
        client = IatiClient(s.iati_api_url, sources.http("iati"), s.iati_api_key)
        with permanent_errors_fail_fast():
            frame = client.fetch_activities(ASEAN_ISO2)
        uri = f"{s.iati_api_url}/activity/select"
    else:
        frame, uri = pd.DataFrame(columns=["iati_identifier"]), "offline: no IATI snapshot"
    stored = to_storable(frame)
    with warehouse.connect() as con:
        return land(
            context,
            con,
            table="iati_activities",
            payload=Payload("iati", uri, stored.to_csv(index=False).encode()),
            parse=lambda: (stored, NO_REJECTS),
        )


def register_files(s) -> list[Path]:
    """Bundled documented projects first, then every register dropped in the inbox."""
    bundled = [s.sources_dir / "projects" / "documented_city_projects.csv"]
    return bundled + inbox.register_files(s.inbox_dir)


@dg.asset(key=["raw", "project_register"], group_name="raw", deps=[REGISTRY], kinds={"csv", "xlsx"})
def raw_project_register(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """City project registers (CSV/XLSX) from the inbox, plus the bundled documented projects.

    A file that cannot be read at all is rejected whole (one quarantine row naming the file and
    the reason); bad rows are quarantined with row and column; the other files go on.
    """
    files = register_files(sources.settings)
    with warehouse.connect() as con:
        cities = con.execute("select * from staging.cities").df()

        def parse() -> tuple[pd.DataFrame, pd.DataFrame]:
            rows, rejects = [], []
            for path in files:
                try:
                    good, bad = read_project_register(path, cities)
                except ValueError as exc:
                    context.log.error(f"register rejected: {exc}")
                    bad = pd.DataFrame([{"source_uri": str(path), "reason": str(exc)}])
                    good = pd.DataFrame()
                rows.append(good)
                rejects.append(bad)
            return to_storable(pd.concat(rows, ignore_index=True)), pd.concat(
                rejects, ignore_index=True
            )

        return land(
            context,
            con,
            table="project_register",
            payload=Payload("project_register", ";".join(str(p) for p in files), file_bytes(files)),
            parse=parse,
            metadata={"files": dg.MetadataValue.json([p.name for p in files])},
        )


LIST_COLUMNS = [
    "sector_codes", "major_sector_codes", "sector_names", "theme_names", "participating_orgs",
    "recipient_countries", "sector_vocabularies", "location_names", "partner_companies",
    "partner_countries", "city_candidates",
]  # fmt: skip


@dg.asset(
    key=["staging", "projects"],
    group_name="staging",
    deps=[
        dg.AssetKey(["raw", "worldbank_projects"]),
        dg.AssetKey(["raw", "iati_activities"]),
        dg.AssetKey(["raw", "project_register"]),
        REGISTRY,
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
    sector_map_path = s.data_dir / "catalogue" / "sector_focus_map.csv"
    rates_path = s.data_dir / "reference" / "fx_rates_usd.csv"
    as_of = datetime.now(UTC).year  # status and registers hold as of this year
    with warehouse.connect() as con:
        version = input_version(
            context, con, files=[sector_map_path, rates_path], extra=[str(as_of)]
        )
        return build_if_changed(
            context,
            con,
            version,
            lambda: _conform_projects(
                con, load_sector_map(sector_map_path), pd.read_csv(rates_path), as_of
            ),
        )


def _conform_projects(
    con, sector_map: pd.DataFrame, rates: pd.DataFrame, as_of: int
) -> dict[str, dg.MetadataValue]:
    cities = con.execute("select * from staging.cities").df()
    wb = from_storable(con.execute("select * from raw.worldbank_projects").df(), LIST_COLUMNS)
    iati = from_storable(con.execute("select * from raw.iati_activities").df(), LIST_COLUMNS)
    reg = from_storable(con.execute("select * from raw.project_register").df(), LIST_COLUMNS)
    parts = [conform_worldbank(wb, cities, sector_map).assign(as_of_year=_wb_year(wb, as_of))]
    if not iati.empty:
        parts.append(conform_iati(iati, cities, sector_map).assign(as_of_year=as_of))
    if not reg.empty:
        parts.append(
            reg.drop(columns=[c for c in reg if c.startswith("_")]).assign(as_of_year=as_of)
        )
    conformed = link_duplicates(add_usd(pd.concat(parts, ignore_index=True), rates))
    conformed["vintage"] = (
        conformed["source_id"]
        .map({"worldbank_projects": "World Bank Projects API record"})
        .fillna(str(as_of))
    )
    conformed["provenance"] = (
        "raw." + conformed["source_id"].map(_RAW_TABLE) + "#"
        + conformed["source_project_id"].astype(str)
    )  # fmt: skip
    projects = to_storable(conformed)  # noqa: F841 - scanned by DuckDB
    con.execute("create or replace table staging.projects as select * from projects")
    meta = table_counts(con, ["staging.projects"])
    meta["by_source"] = dg.MetadataValue.json(conformed["source_id"].value_counts().to_dict())
    return meta


_RAW_TABLE = {
    "worldbank_projects": "worldbank_projects",
    "iati": "iati_activities",
    "project_register": "project_register",
}


def _wb_year(wb: pd.DataFrame, default: int) -> int:
    """Status of World Bank records holds as of their newest board approval (snapshot year)."""
    years = pd.to_datetime(wb.get("board_approval_date"), errors="coerce").dt.year.dropna()
    return int(years.max()) if len(years) else default


@dg.asset(
    key=["marts", "projects"],
    group_name="marts",
    deps=[dg.AssetKey(["staging", "projects"]), dg.AssetKey(["marts", "indicators"])],
    kinds={"duckdb", "sql"},
)
def marts_projects(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """project_portfolio, donor_coordination, focus_area_funding_gaps, business_matches."""
    folder = sources.settings.data_dir / "companies"
    company_files = sorted(folder.glob("*.csv")) + sorted(folder.glob("*.xlsx"))
    with warehouse.connect() as con:
        return build_if_changed(
            context,
            con,
            input_version(context, con, files=company_files),
            lambda: _build_project_marts(con, company_files, context.run.run_id),
        )


def _build_project_marts(
    con, company_files: list[Path], run_id: str
) -> dict[str, dg.MetadataValue]:
    frames, rejects = [], []
    for path in company_files:
        good, bad = read_company_register(path)
        frames.append(good)
        rejects.append(bad)
    companies = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    quarantine(
        con,
        pd.concat(rejects, ignore_index=True) if rejects else NO_REJECTS,
        source="company_register",
        run_id=run_id,
    )
    projects = from_storable(con.execute("select * from staging.projects").df(), LIST_COLUMNS)
    matches = match_companies(companies, projects)  # noqa: F841 - scanned by DuckDB
    con.execute("create or replace table staging.business_matches as select * from matches")
    run_sql_file(con, SQL_DIR / "marts_projects.sql")
    meta = table_counts(
        con,
        [
            "marts.projects",
            "marts.project_portfolio",
            "marts.donor_coordination",
            "marts.focus_area_funding_gaps",
            "marts.business_matches",
        ],
    )
    meta["company_files"] = dg.MetadataValue.int(len(company_files))
    return meta
