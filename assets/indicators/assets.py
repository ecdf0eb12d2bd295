"""Comparable indicators: the catalogue, the long measures table and the six indicator marts.

The marts are one multi-asset with one spec per published table (the plan, the SQL files and
their order: `marts.py`); each spec records its own version, so only the tables whose inputs
changed are rebuilt.
"""

from collections.abc import Iterator

import dagster as dg
import duckdb

from assets.indicators.catalogue import DOC as CATALOGUE_DOC
from assets.indicators.catalogue import load_catalogue
from assets.indicators.marts import MARTS, SQL_DIR, Mart, MartBuilder
from pipelines.framework.asset_defaults import REGISTRY
from pipelines.framework.sql_assets import sql_asset, table_counts
from pipelines.framework.versions import build_if_changed, input_version
from pipelines.resources import SourcesResource, WarehouseResource
from warehouse.db import defined_tables, describe_table


@dg.asset(
    key=["staging", "indicator_catalogue"],
    group_name="staging",
    deps=[REGISTRY],
    kinds={"duckdb", "csv"},
)
def staging_indicator_catalogue(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    """The indicator catalogue (`data/catalogue/indicators.csv`), validated."""
    path = sources.settings.catalogue_dir / "indicators.csv"
    with warehouse.connect() as con:

        def build() -> dict[str, dg.MetadataValue]:
            focus = _column(con, "select focus_area_id from staging.focus_areas")
            catalogue = load_catalogue(path, focus, defined_tables())  # noqa: F841
            con.execute(
                "create or replace table staging.indicator_catalogue as select * from catalogue"
            )
            describe_table(con, "staging.indicator_catalogue", CATALOGUE_DOC)
            return {
                "indicators": dg.MetadataValue.int(len(catalogue)),
                "by_focus_area": dg.MetadataValue.json(
                    catalogue["focus_area_id"].value_counts().to_dict()
                ),
            }

        return build_if_changed(context, con, input_version(context, con, files=[path]), build)


def _column(con: duckdb.DuckDBPyConnection, sql: str) -> set[str]:
    return {r[0] for r in con.execute(sql).fetchall()}


staging_measures = sql_asset(
    key="staging/measures",
    sql_files=[SQL_DIR / "staging_measures.sql"],
    deps=["staging/reference", "staging/population", "staging/infrastructure", "staging/projects"],
    tables=["staging.measures"],
    description="Every measured quantity of every city in one long table (the indicators' input).",
    group="staging",
)


def _key(key: str) -> dg.AssetKey:
    return dg.AssetKey(key.split("/"))


@dg.multi_asset(
    name="marts_indicators",
    specs=[
        dg.AssetSpec(
            _key(mart.key),
            deps=[_key(d) for d in mart.deps],
            description=mart.description,
            group_name="marts",
            kinds={"duckdb", "sql"},
        )
        for mart in MARTS
    ],
)
def marts_indicators(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.MaterializeResult]:
    """The indicator marts, in one op because indicator_values and coverage share temporary
    tables; each table is rebuilt only when its own inputs changed."""
    with warehouse.connect() as con, MartBuilder(con) as builder:
        for mart in MARTS:
            key = _key(mart.key)

            def build(mart: Mart = mart) -> dict[str, dg.MetadataValue]:
                builder.build(mart)
                meta = table_counts(con, [mart.table]) | _details(con, mart)
                context.log.info(", ".join(f"{k}={v.value}" for k, v in meta.items()))
                return meta

            version = input_version(context, con, asset_key=key)
            yield build_if_changed(context, con, version, build, asset_key=key)
            builder.release(mart)


def _details(con: duckdb.DuckDBPyConnection, mart: Mart) -> dict[str, dg.MetadataValue]:
    """What the UI shows of a freshly built table besides its row count."""
    if mart.name == "coverage":
        filled, cells = con.execute(
            "select count(*) filter (where filled), count(*) from marts.coverage"
        ).fetchall()[0]
        return {"coverage_filled_cells": dg.MetadataValue.text(f"{filled} of {cells}")}
    if mart.name == "indicator_values":
        battambang = con.execute(
            "select indicator_id, round(value, 2) as value, unit, unit_type, rank_label, "
            "peer_rank_label, quality_flags "
            "from marts.indicator_values where city_id = 'khm-battambang' order by indicator_id"
        ).df()
        return {"battambang": dg.MetadataValue.md(battambang.to_markdown(index=False))}
    return {}
