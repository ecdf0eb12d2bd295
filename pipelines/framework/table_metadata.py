"""Dagster's standard metadata for a DuckDB table: what the UI shows on an asset.

`dagster/row_count`, `dagster/column_schema` (with each column's COMMENT ON description, so the
data dictionary reaches the UI), `dagster/table_name`, and a small Markdown preview.
"""

from __future__ import annotations

import dagster as dg
import duckdb

from warehouse.db import checked_identifier

Metadata = dict[str, dg.MetadataValue]
PREVIEW_ROWS = 5


def row_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    sql = f"select count(*) from {checked_identifier(table)}"  # noqa: S608
    return int(con.execute(sql).fetchall()[0][0])


def column_schema(con: duckdb.DuckDBPyConnection, table: str) -> dg.TableSchema:
    schema, name = checked_identifier(table).split(".")
    rows = con.execute(
        "select column_name, data_type, comment from duckdb_columns() "
        "where schema_name = $s and table_name = $t order by column_index",
        {"s": schema, "t": name},
    ).fetchall()
    return dg.TableSchema(
        columns=[dg.TableColumn(n, str(t), description=c or None) for n, t, c in rows]
    )


def table_comment(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    schema, name = checked_identifier(table).split(".")
    rows = con.execute(
        "select comment from duckdb_tables() where schema_name = $s and table_name = $t",
        {"s": schema, "t": name},
    ).fetchall()
    return rows[0][0] if rows and rows[0][0] else None


def preview(con: duckdb.DuckDBPyConnection, table: str, rows: int = PREVIEW_ROWS) -> str:
    sql = f"select * from {checked_identifier(table)} limit $n"  # noqa: S608
    frame = con.execute(sql, {"n": rows}).df()
    return frame.to_markdown(index=False) if not frame.empty else "(no rows)"


def table_metadata(con: duckdb.DuckDBPyConnection, table: str) -> Metadata:
    meta: Metadata = {
        "dagster/row_count": dg.MetadataValue.int(row_count(con, table)),
        "dagster/column_schema": dg.MetadataValue.table_schema(column_schema(con, table)),
        "dagster/table_name": dg.MetadataValue.text(checked_identifier(table)),
        "preview": dg.MetadataValue.md(preview(con, table)),
    }
    comment = table_comment(con, table)
    if comment:
        meta["table_description"] = dg.MetadataValue.text(comment)
    return meta
