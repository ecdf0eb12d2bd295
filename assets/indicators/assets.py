"""Comparable indicators: catalogue, long measures table, values, scores, ranks and coverage."""

from pathlib import Path

import dagster as dg

from assets.indicators.catalogue import load_catalogue
from pipelines.framework.sql_assets import sql_asset, table_counts
from pipelines.framework.versions import build_if_changed, input_version
from pipelines.resources import SourcesResource, WarehouseResource
from warehouse.db import defined_tables, run_sql_file

SQL_DIR = Path(__file__).with_name("sql")

# A focus-area score needs scores for at least half of the area's city-level indicators.
MIN_FOCUS_AREA_COVERAGE = 0.5


@dg.asset(
    key=["staging", "indicator_catalogue"],
    group_name="staging",
    deps=[dg.AssetKey(["staging", "reference"])],
    kinds={"duckdb", "csv"},
)
def staging_indicator_catalogue(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """The indicator catalogue (`data/catalogue/indicators.csv`), validated."""
    path = sources.settings.data_dir / "catalogue" / "indicators.csv"
    with warehouse.connect() as con:

        def build() -> dict[str, dg.MetadataValue]:
            focus = _column(con, "select focus_area_id from staging.focus_areas")
            bounds = _column(con, "select boundary_type from staging.boundary_types")
            catalogue = load_catalogue(path, focus, defined_tables(), bounds)  # noqa: F841
            con.execute(
                "create or replace table staging.indicator_catalogue as select * from catalogue"
            )
            return {
                "indicators": dg.MetadataValue.int(len(catalogue)),
                "by_focus_area": dg.MetadataValue.json(
                    catalogue["focus_area_id"].value_counts().to_dict()
                ),
            }

        return build_if_changed(context, con, input_version(context, con, files=[path]), build)


def _column(con, sql: str) -> set[str]:
    return {r[0] for r in con.execute(sql).fetchall()}


staging_measures = sql_asset(
    key="staging/measures",
    sql_files=[SQL_DIR / "staging_measures.sql"],
    deps=["staging/population", "staging/infrastructure", "staging/projects"],
    tables=["staging.measures"],
    description="Every measured quantity of every city in one long table (the indicators' input).",
    group="staging",
)


@dg.asset(
    key=["marts", "indicators"],
    group_name="marts",
    deps=[dg.AssetKey(["staging", "measures"]), dg.AssetKey(["staging", "indicator_catalogue"])],
    kinds={"duckdb", "sql"},
)
def marts_indicators(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """indicator_values, city_peer_groups, focus_area_scores, coverage, city_profile, catalogue."""
    with warehouse.connect() as con:
        return build_if_changed(
            context, con, input_version(context, con), lambda: _build_indicators(con)
        )


def _build_indicators(con) -> dict[str, dg.MetadataValue]:
    run_sql_file(con, SQL_DIR / "indicator_values.sql")
    run_sql_file(con, SQL_DIR / "focus_area_scores.sql", {"min_coverage": MIN_FOCUS_AREA_COVERAGE})
    run_sql_file(con, SQL_DIR / "city_profile.sql")
    meta = table_counts(
        con,
        [
            "marts.indicator_values",
            "marts.city_peer_groups",
            "marts.focus_area_scores",
            "marts.coverage",
            "marts.city_profile",
            "marts.indicator_catalogue",
        ],
    )
    filled, cells = con.execute(
        "select count(*) filter (where filled), count(*) from marts.coverage"
    ).fetchall()[0]
    battambang = con.execute(
        "select indicator_id, round(value, 2) as value, unit, rank, peer_rank, quality_flags "
        "from marts.indicator_values where city_id = 'khm-battambang' order by indicator_id"
    ).df()
    meta["coverage_filled_cells"] = dg.MetadataValue.text(f"{filled} of {cells}")
    meta["battambang"] = dg.MetadataValue.md(battambang.to_markdown(index=False))
    return meta
