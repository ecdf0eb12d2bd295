"""The project marts: one published table = one asset spec = one `sql/marts_<name>.sql` file
holding its ``CREATE`` and its ``COMMENT ON`` statements.

The tables are one Dagster multi-asset (one op, one connection), built in `MARTS` order; each
spec records its own version, so a table is rebuilt only when its own inputs changed.
`marts.business_matches` first ranks the company registers against the open projects in Python
(`companies.py`) into ``staging.business_matches``; `marts.company_registers` says which
registers were supplied, or that none was and how to supply one. `marts.opportunities` reads
the focus-area ranks through `focus_area_ranks` (whatever rank columns the scores carry).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from assets.projects.companies import (
    COMPANIES_DOC,
    COMPANY_LISTS,
    MATCHES_DOC,
    empty_companies,
    match_companies,
    read_company_register,
)
from assets.projects.register_batch import company_feedback, read_each, whole_file_rejects
from assets.projects.schema import fetch_frame, typed
from assets.projects.sources import company_files
from assets.reference.vocabularies import focus_areas
from pipelines.framework.rejects import NO_REJECTS
from pipelines.framework.sql_assets import table_counts
from pipelines.framework.versions import build_if_changed, input_version
from pipelines.resources import SourcesResource, WarehouseResource
from pipelines.settings import Settings
from warehouse.db import TableDoc, describe_table, file_feedback, quarantine, run_sql_file

SQL_DIR = Path(__file__).with_name("sql")


@dataclass(frozen=True)
class Mart:
    """The published table `marts.<name>`, built by `sql/marts_<name>.sql`."""

    name: str
    deps: tuple[str, ...]  # asset keys ("staging/projects") of the tables its SQL reads
    description: str

    @property
    def key(self) -> dg.AssetKey:
        return dg.AssetKey(["marts", self.name])

    @property
    def table(self) -> str:
        return f"marts.{self.name}"

    @property
    def sql(self) -> Path:
        return SQL_DIR / f"marts_{self.name}.sql"


# A low rank: in the bottom third of a set of at least three ranked cities.
OPPORTUNITY_PARAMS = {"low_rank_share": 2 / 3, "min_rank_set": 3}
GAP_MARTS = ("focus_area_funding_gaps", "opportunities")
NO_COMPANY_REGISTER = "no company register supplied; see docs/PROJECT_REGISTER.md"
HOW_TO_SUPPLY = (
    "copy data/templates/company_register_template.csv, fill one row per company, save it as "
    "CSV UTF-8 or .xlsx in data/companies/ and run again"
)
#: staging.company_registers (published as marts.company_registers)
REGISTERS_DOC = TableDoc(
    "Company registers supplied for business matching, one row per file read; one row saying "
    "none was supplied, and how to supply one, when there is none.",
    {
        "file": "Path of the register file (null: none supplied)",
        "companies": "Companies read from the file",
        "rejected_rows": "Rows refused (quarantine.rejected_rows, source company_register)",
        "status": f'read, refused: <why>, or "{NO_COMPANY_REGISTER}"',
        "how_to_supply": "How to supply a register when none was",
    },
)

MARTS = (
    Mart(
        "projects",
        ("staging/projects",),
        "Development projects from every source: placement by location, status with its as-of "
        "date (current or stale), linked across sources.",
    ),
    Mart(
        "project_places",
        ("staging/projects", "staging/reference"),
        "Projects placed in cities by geocoded location, with the match level and evidence.",
    ),
    Mart(
        "project_portfolio",
        ("staging/projects", "staging/reference", "marts/city_peer_groups"),
        "Project portfolio by city, match level, focus area, financier and status.",
    ),
    Mart(
        "donor_coordination",
        ("staging/projects", "staging/reference", "staging/aiddata_locations"),
        "Who funds what, where, how much, as of when: financiers and AidData allocations, "
        "current and constant-2021 US$ apart.",
    ),
    Mart(
        "focus_area_funding_gaps",
        ("staging/projects", "staging/reference"),
        "Every city and focus area: active projects known, and a gap only where a current "
        "source was held.",
    ),
    Mart(
        "opportunities",
        ("marts/focus_area_scores", "marts/focus_area_funding_gaps"),
        "Focus areas where a city ranks low and no active project is known, with the evidence.",
    ),
    Mart(
        "company_registers",
        (),
        "The company registers supplied (or that none was, and how to supply one).",
    ),
    Mart(
        "business_matches",
        ("staging/projects",),
        "Companies of the company registers ranked against open projects, with the reasons "
        "(sector, place, size, past projects).",
    ),
)


def _key(key: str) -> dg.AssetKey:
    return dg.AssetKey(key.split("/"))


@dg.multi_asset(
    name="marts_projects",
    specs=[
        dg.AssetSpec(
            mart.key,
            deps=[_key(d) for d in mart.deps],
            description=mart.description,
            group_name="marts",
            kinds={"duckdb", "sql"},
        )
        for mart in MARTS
    ],
)
def marts_projects(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> Iterator[dg.MaterializeResult]:
    """The project marts; each table is rebuilt only when its own inputs changed (the company
    registers count for business_matches only)."""
    settings = sources.settings
    companies = company_files(settings)
    company_note = {
        "company_register": dg.MetadataValue.text(
            f"{len(companies)} file(s): " + ", ".join(p.name for p in companies)
            if companies
            else f"{NO_COMPANY_REGISTER} ({HOW_TO_SUPPLY})"
        )
    }
    params = {"max_age_days": settings.status_max_age_days, **OPPORTUNITY_PARAMS}
    with warehouse.connect() as con:
        for mart in MARTS:
            company_mart = mart.name in ("business_matches", "company_registers")
            files = companies if company_mart else []
            # The gaps' wording states the set age; the staging tables carry the rest.
            extra = [str(settings.status_max_age_days)] if mart.name in GAP_MARTS else []

            def build(mart: Mart = mart) -> dict[str, dg.MetadataValue]:
                meta: dict[str, dg.MetadataValue] = {}
                if mart.name == "company_registers":
                    _read_companies(con, settings, companies, context.run.run_id)
                if mart.name == "business_matches":
                    meta = _rank_companies(con)
                if mart.name == "opportunities":
                    _focus_area_ranks(con)
                run_sql_file(con, mart.sql, params)
                return table_counts(con, [mart.table]) | meta

            version = input_version(context, con, files=files, asset_key=mart.key, extra=extra)
            # The company-register note is shown in the UI whether or not the table was rebuilt.
            note = company_note if company_mart else None
            yield build_if_changed(context, con, version, build, asset_key=mart.key, metadata=note)


def _read_companies(
    con: duckdb.DuckDBPyConnection, settings: Settings, files: list[Path], run_id: str
) -> None:
    """``staging.companies`` and ``staging.company_registers`` from the company registers
    (their bad rows quarantined); with no file, one row saying so and how to supply one."""
    areas = focus_areas(settings)
    frames, rejects, registers = [], [], []
    # Each file on its own: one that cannot be read is refused, naming it; the others go on.
    reads = read_each(files, lambda p: read_company_register(p, areas))
    for read in reads:
        good, bad = read.rows, read.rejects
        frames += [good] if read.error is None else []
        rejects.append(bad if read.error is None else whole_file_rejects([read]))
        registers.append({"file": str(read.path), "companies": len(good),
                          "rejected_rows": len(bad),
                          "status": "read" if read.error is None else f"refused: {read.error}",
                          "how_to_supply": None})  # fmt: skip
    file_feedback(con, company_feedback(reads), source="company_register", run_id=run_id)
    if not files:
        none = {"file": None, "companies": 0, "rejected_rows": 0}
        registers.append(none | {"status": NO_COMPANY_REGISTER, "how_to_supply": HOW_TO_SUPPLY})
    bad_rows = pd.concat(rejects, ignore_index=True) if rejects else NO_REJECTS
    quarantine(con, bad_rows, source="company_register", run_id=run_id)
    companies = typed(  # noqa: F841 - read by DuckDB
        pd.concat(frames, ignore_index=True) if frames else empty_companies(), COMPANY_LISTS, ()
    )
    con.execute("create or replace table staging.companies as select * from companies")
    describe_table(con, "staging.companies", COMPANIES_DOC)
    listed = pd.DataFrame(registers).astype(  # noqa: F841 - read by DuckDB
        {"file": "string", "status": "string", "how_to_supply": "string"}
    )
    con.execute("create or replace table staging.company_registers as select * from listed")
    describe_table(con, "staging.company_registers", REGISTERS_DOC)


def _rank_companies(con: duckdb.DuckDBPyConnection) -> dict[str, dg.MetadataValue]:
    """``staging.business_matches``: the companies ranked against the open projects."""
    companies = fetch_frame(con, "select * from staging.companies")
    projects = fetch_frame(con, "select * from staging.projects")
    matches = match_companies(companies, projects)  # noqa: F841 - read by DuckDB
    con.execute("create or replace table staging.business_matches as select * from matches")
    describe_table(con, "staging.business_matches", MATCHES_DOC)
    return {"companies": dg.MetadataValue.int(len(companies))}


def _focus_area_ranks(con: duckdb.DuckDBPyConnection) -> None:
    """Temporary ``focus_area_ranks`` (city_id, focus_area_id, score, rank_position,
    rank_set_size, rank_basis) from marts.focus_area_scores: its integer rank columns when it
    has them, else its 'position/size' text ``rank``."""
    columns = {
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() "
            "where schema_name = 'marts' and table_name = 'focus_area_scores'"
        ).fetchall()
    }
    if {"rank_position", "rank_set_size"} <= columns:
        position, size = "rank_position", "rank_set_size"
    else:
        position = "try_cast(split_part(rank, '/', 1) as integer)"
        size = "try_cast(split_part(rank, '/', 2) as integer)"
    con.execute(
        "create or replace temp table focus_area_ranks as "  # noqa: S608 - fixed column names
        f"select city_id, focus_area_id, score, {position} as rank_position, "
        f"{size} as rank_set_size, 'among the cities with a score in this focus area' "
        "as rank_basis from marts.focus_area_scores where score is not null"
    )
