"""The staged project tables, built from the raw sources and the registry.

- ``staging.projects``: one conformed row per source record (`conform.py`, the register rows as
  landed), with the status's as-of date and whether it is current (`status.py`), its
  placement in cities (`places`), financiers and focus-area shares, USD cost and the
  `project_key`/`is_primary` links across sources.
- ``staging.project_source_coverage``: which source was held for which country (a city's own
  register: for which city), as of when, and whether that as-of date is current: a funding gap
  is only claimed where a current source was held.
- ``staging.aiddata_locations``: the AidData GCDF rows with the city each one belongs to.
"""

from datetime import UTC, date, datetime
from typing import Any

import dagster as dg
import duckdb
import pandas as pd

from assets.projects import status
from assets.projects.conform import conform_iati, conform_worldbank
from assets.projects.currency import add_usd
from assets.projects.fields import as_list, clean_text
from assets.projects.linking import link_duplicates
from assets.projects.lookups import Lookups, fx_rates_file, load_lookups, sector_map_file
from assets.projects.placement import (
    ADMIN,
    PROVINCE,
    REGISTER,
    RING_KM,
    admin_key,
    haversine_km,
)
from assets.projects.schema import (
    CONFORMED_DATES,
    CONFORMED_DESCRIPTIONS,
    CONFORMED_LISTS,
    RAW_TABLE,
    SOURCE_IATI,
    SOURCE_REGISTER,
    SOURCE_WORLDBANK,
    STAGED_DATES,
    STAGED_LISTS,
    STAGED_STRUCTS,
    fetch_frame,
    typed,
)
from assets.projects.sources import DOCUMENTED_PROJECTS_FILE
from pipelines.framework.asset_defaults import REGISTRY
from pipelines.framework.sql_assets import table_counts
from pipelines.framework.versions import build_if_changed, input_version
from pipelines.resources import SourcesResource, WarehouseResource
from pipelines.settings import Settings
from warehouse.db import TableDoc, describe_table

# The bundled documented projects state what the cited pages said when the rows were compiled
# (data/sources/PROJECT_SOURCES.md): their statuses hold as of that day.
DOCUMENTED_AS_OF = date(2026, 11, 27)
# Columns the register landing adds for its own bookkeeping (not conformed columns).
REGISTER_LANDING_COLUMNS = ("from_last_good_version", "last_good_version_date")
SOURCE_LABEL = {
    SOURCE_WORLDBANK: "World Bank Projects",
    SOURCE_IATI: "IATI Datastore",
    SOURCE_REGISTER: "city project register",
}
#: staging.projects: the conformed columns (schema.CONFORMED_DESCRIPTIONS) and what staging adds
PROJECTS_DOC = TableDoc(
    "Development projects from every source (World Bank, IATI, city registers), conformed: one "
    "row per source record, placed in cities by location, with focus areas, status and its "
    "as-of date (current or stale), financiers, cost in USD, and project_key linking the "
    "records of one project.",
    {
        **CONFORMED_DESCRIPTIONS,
        "status_as_of": "Date the status held: the export's vintage, the API retrieval date, or "
        "the day the register file was received",
        "record_flags": "What was missing or refused in the source record: status_missing, "
        "status_unmapped:<value>, placeholder_date:<type> <date>, from_last_good_version:<date>",
        "placement": "national, located (in registry cities), elsewhere or register",
        "match_level": "Level of city_id: site_in_city, admin_unit_of_city, "
        "province_containing_city, or stated_by_city_register",
        "country_codes": "Country codes of the record (ISO2)",
        "focus_area_ids": "Every focus area one of the project's sectors maps to, largest share "
        "first",
        "places": "Every registry city the project is placed in: city, level, location, "
        "coordinates, distance, admin units and the evidence",
        "financiers": "Every financier: id, name, type, amount, currency, amount in USD, basis",
        "focus_shares": "Share (percent) of the project in each focus area",
        "cost_usd": "Cost in US dollars (null when no published rate is available)",
        "fx_rate": "Units of currency per USD used",
        "fx_rate_year": "Year of the rate",
        "fx_rate_source": "Source of the rate (identity for USD)",
        "fx_flag": "Why cost_usd is missing, if it is",
        "project_key": "Id shared by the records of one project reported by several sources",
        "is_primary": "The record counted in portfolio figures (one per project_key)",
        "status_is_current": "True when status_as_of is within ASCN_STATUS_MAX_AGE_DAYS of the "
        "run; only current statuses count as active",
        "status_display": 'The status as shown: "active" when current, "active as of '
        '2013-12-18" when stale',
        "as_of_year": "Year of status_as_of",
        "vintage": "Source and the date its status holds",
        "provenance": "Raw table#id of the record",
    },
)
#: staging.project_source_coverage
COVERAGE_DOC = TableDoc(
    "Which project source was held for which country (city registers: which city), as of when "
    "and whether that is current: one row per source and country or city.",
    {
        "source_id": "Project source",
        "source_label": "Name of the source",
        "country_iso3": "Country the source covers (null for a city register)",
        "city_id": "City a register covers (null for a national source)",
        "as_of": "Latest date a status of the source held for it",
        "is_current": "True when as_of is within ASCN_STATUS_MAX_AGE_DAYS of the run",
        "records": "Records of the source for it (with a status date)",
    },
)


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
    """One conformed project table: city placement by location (with the match level), focus
    area, lifecycle status with its as-of date (current or not), financiers, cost in USD (rate
    and year recorded), and `project_key`/`is_primary` linking one project reported by several
    sources so it is counted once. Also staging.project_source_coverage."""
    s = sources.settings
    files = [sector_map_file(s), fx_rates_file(s), s.reference_dir / "countries.csv"]
    today = datetime.now(UTC).date()  # a status is current relative to the day of the run
    with warehouse.connect() as con:
        extra = [today.isoformat(), str(s.status_max_age_days)]
        version = input_version(context, con, files=files, extra=extra)
        return build_if_changed(context, con, version, lambda: build_projects(con, s, today))


def build_projects(
    con: duckdb.DuckDBPyConnection, settings: Settings, today: date
) -> dict[str, dg.MetadataValue]:
    """staging.projects and staging.project_source_coverage (plain Python: tests call it)."""
    lookups = load_lookups(settings, fetch_frame(con, "select * from staging.cities"))
    rates = pd.read_csv(fx_rates_file(settings))
    documented = str(settings.sources_dir / "projects" / DOCUMENTED_PROJECTS_FILE)
    conformed = link_duplicates(add_usd(_conformed_sources(con, lookups, documented), rates))
    conformed = _with_status(conformed, today, settings.status_max_age_days)
    conformed["provenance"] = (
        "raw." + conformed["source_id"].map(RAW_TABLE) + "#"
        + conformed["source_project_id"].astype(str)
    )  # fmt: skip
    projects = typed(  # noqa: F841 - read by DuckDB
        conformed,
        (*CONFORMED_LISTS, *STAGED_LISTS),
        (*CONFORMED_DATES, *STAGED_DATES),
        STAGED_STRUCTS,
    )
    con.execute("create or replace table staging.projects as select * from projects")
    describe_table(con, "staging.projects", PROJECTS_DOC)
    coverage = source_coverage(  # noqa: F841 - read by DuckDB
        conformed, lookups, documented, today, settings.status_max_age_days
    )
    con.execute("create or replace table staging.project_source_coverage as select * from coverage")
    describe_table(con, "staging.project_source_coverage", COVERAGE_DOC)
    meta = table_counts(con, ["staging.projects", "staging.project_source_coverage"])
    meta["by_source"] = dg.MetadataValue.json(conformed["source_id"].value_counts().to_dict())
    meta["current_statuses"] = dg.MetadataValue.int(int(conformed["status_is_current"].sum()))
    meta["city_areas"] = dg.MetadataValue.text(
        lookups.polygon_problem
        and f"admin polygons not read ({lookups.polygon_problem}): 10 km rings used"
        or f"{sum(a.polygon is not None for a in lookups.areas)} cities placed by their "
        f"administrative polygon, the others by a {RING_KM:g} km ring"
    )
    return meta


def _conformed_sources(
    con: duckdb.DuckDBPyConnection, lookups: Lookups, documented: str
) -> pd.DataFrame:
    wb = fetch_frame(con, "select * from raw.worldbank_projects")
    iati = fetch_frame(con, "select * from raw.iati_activities")
    reg = fetch_frame(con, "select * from raw.project_register")
    parts = [conform_worldbank(wb, lookups)]
    if not iati.empty:
        parts.append(conform_iati(iati, lookups))
    if not reg.empty:
        parts.append(_register_rows(reg, lookups, documented))
    return pd.concat([p for p in parts if not p.empty] or parts, ignore_index=True)


def _register_rows(reg: pd.DataFrame, lookups: Lookups, documented: str) -> pd.DataFrame:
    """Register rows as landed, plus the staged columns: the register names its city (the
    city's own statement); the status holds as of the day this file version was received (a
    row kept from a file's last good version: that version's date; the bundled documented
    projects: the day they were compiled, DOCUMENTED_AS_OF)."""
    landing = [c for c in reg if c.startswith("_") or c in REGISTER_LANDING_COLUMNS]
    out = reg.drop(columns=landing).copy()
    received = [_register_as_of(r, documented) for r in reg.to_dict("records")]
    iso2_of = {v: k for k, v in lookups.iso3_of.items()}
    rows = out.to_dict("records")
    out["status_as_of"] = received
    # A row kept from its file's last good version (register_batch) says so in marts.projects.
    out["record_flags"] = [
        [f"from_last_good_version:{_day(r.get('last_good_version_date'))}"]
        if bool(r.get("from_last_good_version")) else [] for r in reg.to_dict("records")
    ]  # fmt: skip
    out["placement"] = ["register" if r.get("city_id") else "national" for r in rows]
    out["match_level"] = [REGISTER if r.get("city_id") else None for r in rows]
    out["country_codes"] = [
        [iso2_of[r["city_id"][:3].upper()]] if r.get("city_id") and r["city_id"][:3].upper()
        in iso2_of else [] for r in rows
    ]  # fmt: skip
    out["focus_area_ids"] = [[r["focus_area_id"]] if r.get("focus_area_id") else [] for r in rows]
    out["focus_shares"] = [
        [{"focus_area_id": r["focus_area_id"], "percent": None}] if r.get("focus_area_id") else []
        for r in rows
    ]
    out["places"] = [_register_place(r, documented) for r in rows]
    out["financiers"] = [
        [{"financier_id": None, "name": r.get("financier"), "type": r.get("financier_type"),
          "amount": r.get("cost"), "currency": r.get("currency"), "amount_usd": None,
          "basis": "register row"}] if clean_text(r.get("financier")) else []
        for r in rows
    ]  # fmt: skip
    return out


def _register_as_of(r: dict[str, Any], documented: str) -> date | None:
    if r.get("source_uri") == documented:
        return DOCUMENTED_AS_OF
    if bool(r.get("from_last_good_version")) and _day(r.get("last_good_version_date")):
        return _day(r.get("last_good_version_date"))
    return _day(r.get("_retrieved_at"))


def _register_place(r: dict[str, Any], documented: str) -> list[dict[str, Any]]:
    if not r.get("city_id"):
        return []
    who = "the bundled documented projects" if r.get("source_uri") == documented else "the register"
    return [{"city_id": r["city_id"], "level": REGISTER, "location_name": None, "latitude": None,
             "longitude": None, "distance_km": None, "admin1": None, "admin2": None,
             "evidence": f"named by {who} ({r.get('source_uri')})"}]  # fmt: skip


def _day(value: Any) -> date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    return value.date() if isinstance(value, datetime) else value


def _with_status(frame: pd.DataFrame, today: date, max_age_days: int) -> pd.DataFrame:
    """status_is_current, status_display; register rows get their financier's USD amount."""
    out = frame.copy()
    as_of = [_day(v) for v in out["status_as_of"]]
    current = [status.is_current(d, today, max_age_days) for d in as_of]
    out["status_as_of"] = as_of
    out["status_is_current"] = current
    out["status_display"] = [
        status.display(s if isinstance(s, str) else None, d, c)
        for s, d, c in zip(out["status"], as_of, current, strict=True)
    ]
    out["as_of_year"] = [d.year if d else None for d in as_of]
    out["vintage"] = [
        f"{SOURCE_LABEL.get(src, src)} as of {d.isoformat()}" if d else "as-of date unknown"
        for src, d in zip(out["source_id"], as_of, strict=True)
    ]
    out["financiers"] = [
        [{**f, "amount_usd": usd} for f in as_list(fins)] if src == SOURCE_REGISTER else fins
        for src, fins, usd in zip(out["source_id"], out["financiers"], out["cost_usd"], strict=True)
    ]
    return out


def source_coverage(
    projects: pd.DataFrame, lookups: Lookups, documented: str, today: date, max_age_days: int
) -> pd.DataFrame:
    """Which source was held for which country (registers: city), as of when, current or not."""
    iso3_of = lookups.iso3_of
    held: dict[tuple[str, str | None, str | None], list[date]] = {}
    for r in projects.to_dict("records"):
        as_of = _day(r.get("status_as_of"))
        if as_of is None:
            continue
        src = r["source_id"]
        if src == SOURCE_REGISTER:
            if r.get("source_uri") == documented or not r.get("city_id"):
                continue  # curated single projects, not a city's register
            held.setdefault((src, None, r["city_id"]), []).append(as_of)
            continue
        for iso2 in as_list(r.get("country_codes")):
            if iso2 in iso3_of:
                held.setdefault((src, iso3_of[iso2], None), []).append(as_of)
    rows = []
    for (src, iso3, city), dates in sorted(held.items(), key=lambda kv: str(kv[0])):
        latest = max(dates)
        rows.append(
            {
                "source_id": src,
                "source_label": SOURCE_LABEL.get(src, src),
                "country_iso3": iso3,
                "city_id": city,
                "as_of": latest,
                "is_current": status.is_current(latest, today, max_age_days),
                "records": len(dates),
            }
        )
    columns = ["source_id", "source_label", "country_iso3", "city_id", "as_of", "is_current",
               "records"]  # fmt: skip
    return typed(pd.DataFrame(rows, columns=columns), (), ("as_of",))


def _centroid_inside(r: dict[str, Any], area: Any) -> bool:
    """An ADM2 centroid in the city's polygon, or (without one) within the 10 km ring."""
    lat, lon = r.get("centroid_lat"), r.get("centroid_lon")
    if lat is None or lon is None or lat != lat or lon != lon:
        return False
    if area.polygon is not None:
        import shapely

        return bool(shapely.intersects_xy(area.polygon, lon, lat))
    if area.lat is None or area.lon is None:
        return False
    return haversine_km(lat, lon, area.lat, area.lon) <= RING_KM


def aiddata_city_links(rows: pd.DataFrame, lookups: Lookups) -> pd.DataFrame:
    """`rows` (raw AidData) with city_id, match_level and evidence: an ADM1 unit that is the
    city's province, an ADM2 unit that is the city's unit (by name, or its centroid within the
    ring). Rows of no registry city are kept with city_id null (one row per row and city)."""
    out = []
    for r in rows.to_dict("records"):
        key = admin_key(r.get("shape_name"))
        links = []
        for area in lookups.areas:
            if lookups.iso3_of.get(area.iso2 or "") != r.get("country_iso3"):
                continue
            level = evidence = None
            if r["adm_level"] == 1 and key in area.provinces:
                level, evidence = PROVINCE, f"ADM1 '{r['shape_name']}' is the city's province"
            elif r["adm_level"] == 2 and r.get("shape_id") in area.shape_ids:
                level = ADMIN
                evidence = (
                    f"ADM2 shapeID {r['shape_id']} is the city's polygon {area.polygon_label}"
                )
            elif r["adm_level"] == 2 and key in area.names:
                level, evidence = ADMIN, f"ADM2 '{r['shape_name']}' is the city's unit"
            elif r["adm_level"] == 2 and _centroid_inside(r, area):
                level = ADMIN
                evidence = f"ADM2 '{r['shape_name']}' centroid inside the city's measurement area"
            if level:
                links.append({**r, "city_id": area.city_id, "match_level": level,
                              "evidence": evidence})  # fmt: skip
        out.extend(links or [{**r, "city_id": None, "match_level": None, "evidence": None}])
    columns = [*rows.columns, "city_id", "match_level", "evidence"]
    return pd.DataFrame(out, columns=columns)
