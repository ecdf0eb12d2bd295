"""The project marts: one published table = one asset spec = one `sql/marts_<name>.sql` file
holding its ``CREATE`` and its ``COMMENT ON`` statements.

The five tables are one Dagster multi-asset (one op, one connection); each spec records its own
version, so a table is rebuilt only when its own inputs changed. `marts.business_matches` first
ranks the company registers against the open projects in Python (`companies.py`) into
``staging.business_matches``.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from assets.projects.companies import match_companies, read_company_register
from assets.projects.schema import fetch_frame
from assets.projects.sources import company_files
from assets.reference.vocabularies import focus_areas
from pipelines.framework.rejects import NO_REJECTS
from pipelines.framework.sql_assets import table_counts
from pipelines.framework.versions import build_if_changed, input_version
from pipelines.resources import SourcesResource, WarehouseResource
from pipelines.settings import Settings
from warehouse.db import quarantine, run_sql_file

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


MARTS = (
    Mart(
        "projects",
        ("staging/projects",),
        "Development projects from every source, conformed and linked across sources.",
    ),
    Mart(
        "project_portfolio",
        ("staging/projects", "staging/reference", "marts/city_peer_groups"),
        "Project portfolio by city, focus area, financier and status, with USD per capita.",
    ),
    Mart(
        "donor_coordination",
        ("staging/projects", "staging/reference"),
        "Who funds what where: financier x city x focus area.",
    ),
    Mart(
        "focus_area_funding_gaps",
        ("staging/projects", "staging/reference"),
        "Every city and focus area: active and pipeline projects, and whether none is active.",
    ),
    Mart(
        "business_matches",
        ("staging/projects",),
        "Companies of the company registers ranked against open projects, with the reason.",
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
    with warehouse.connect() as con:
        for mart in MARTS:
            files = companies if mart.name == "business_matches" else []

            def build(mart: Mart = mart) -> dict[str, dg.MetadataValue]:
                meta: dict[str, dg.MetadataValue] = {}
                if mart.name == "business_matches":
                    meta = _rank_companies(con, settings, companies, context.run.run_id)
                run_sql_file(con, mart.sql)
                return table_counts(con, [mart.table]) | meta

            version = input_version(context, con, files=files, asset_key=mart.key)
            yield build_if_changed(context, con, version, build, asset_key=mart.key)


def _rank_companies(
    con: duckdb.DuckDBPyConnection, settings: Settings, files: list[Path], run_id: str
) -> dict[str, dg.MetadataValue]:
    """``staging.business_matches`` from the company registers (their bad rows quarantined)."""
    areas = focus_areas(settings)
    frames, rejects = [], []
    for path in files:
        good, bad = read_company_register(path, areas)
        frames.append(good)
        rejects.append(bad)
    companies = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    bad_rows = pd.concat(rejects, ignore_index=True) if rejects else NO_REJECTS
    quarantine(con, bad_rows, source="company_register", run_id=run_id)
    projects = fetch_frame(con, "select * from staging.projects")
    matches = match_companies(companies, projects)  # noqa: F841 - read by DuckDB
    con.execute("create or replace table staging.business_matches as select * from matches")
    return {"company_files": dg.MetadataValue.int(len(files))}
