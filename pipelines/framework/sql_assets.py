"""Staging and mart assets are SQL files run against the build database; this builds them."""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from pipelines.framework.table_metadata import Metadata, row_count, table_metadata
from pipelines.framework.versions import build_if_changed, input_version
from pipelines.resources import WarehouseResource
from warehouse.db import run_sql_file


def table_counts(con: duckdb.DuckDBPyConnection, tables: Sequence[str]) -> Metadata:
    """Dagster's standard table metadata for the asset's table (the first of `tables`): row
    count, column schema with the COMMENT ON descriptions, table name, and a preview; the row
    counts of further tables the same asset builds as `rows:<table>`."""
    main, *others = tables
    meta = table_metadata(con, main)
    for t in others:
        meta[f"rows:{t}"] = dg.MetadataValue.int(row_count(con, t))
    return meta


def sql_asset(
    *,
    key: str,
    sql_files: Sequence[Path],
    deps: Sequence[str],
    tables: Sequence[str],
    description: str,
    group: str,
    params: Mapping[str, Any] | None = None,
) -> dg.AssetsDefinition:
    """An asset that runs `sql_files` (in one connection) when its inputs changed and reports the
    row counts of `tables`."""
    prefix, name = key.split("/")

    @dg.asset(
        key=dg.AssetKey([prefix, name]),
        deps=[dg.AssetKey(d.split("/")) for d in deps],
        group_name=group,
        description=description,
        kinds={"duckdb", "sql"},
    )
    def _asset(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        with warehouse.connect() as con:

            def build() -> dict[str, dg.MetadataValue]:
                for sql_file in sql_files:
                    run_sql_file(con, sql_file, params)
                meta = table_counts(con, tables)
                context.log.info(", ".join(f"{k}={v.value}" for k, v in meta.items()))
                return meta

            return build_if_changed(context, con, input_version(context, con), build)

    return _asset
