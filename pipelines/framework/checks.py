"""Two kinds of blocking asset checks: a SQL query that returns offending rows, and a GX suite.

Both replay their recorded outcome when the asset was not rebuilt in this run (same version,
same rows: `pipelines/framework/versions.replay_check`).
"""

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from pipelines.framework.expectations import SpecBuilder, summarize, validate_frame
from pipelines.framework.versions import replay_check
from pipelines.resources import WarehouseResource
from warehouse.db import checked_identifier

CHECK_SQL = Path(__file__).resolve().parents[2] / "checks" / "sql"


def _key(asset: str) -> dg.AssetKey:
    return dg.AssetKey(asset.split("/"))


def _blocking_check(
    asset: str,
    name: str,
    description: str,
    evaluate: Callable[[duckdb.DuckDBPyConnection], dg.AssetCheckResult],
) -> dg.AssetChecksDefinition:
    """A blocking check of `asset`: `evaluate(con)` on the build file, or the recorded outcome
    when the asset was not rebuilt (`replay_check`)."""

    @dg.asset_check(asset=_key(asset), name=name, description=description, blocking=True)
    def _check(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            return replay_check(context, con, f"{asset}:{name}", asset, lambda: evaluate(con))

    return _check


def sql_check(
    asset: str, name: str, description: str, params: Mapping[str, Any] | None = None
) -> dg.AssetChecksDefinition:
    """Blocking check: `checks/sql/<name>.sql` returns the offending rows; none means pass.

    `params` are bound to the query's `$name` parameters (shared lists instead of literals)."""
    sql = (CHECK_SQL / f"{name}.sql").read_text(encoding="utf-8")

    def evaluate(con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
        bad = con.execute(sql, dict(params)).df() if params else con.execute(sql).df()
        return dg.AssetCheckResult(
            passed=bad.empty,
            metadata={
                "offending_rows": dg.MetadataValue.int(len(bad)),
                "sample": dg.MetadataValue.md(bad.head(10).to_markdown(index=False))
                if not bad.empty
                else dg.MetadataValue.text("none"),
            },
        )

    return _blocking_check(asset, name, description, evaluate)


def gx_check(
    asset: str, name: str, table: str, spec: SpecBuilder, description: str
) -> dg.AssetChecksDefinition:
    """Blocking check: a Great Expectations suite run on `table` pulled into pandas."""
    source = checked_identifier(table)

    def evaluate(con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
        frame = con.execute(f"select * from {source}").df()  # noqa: S608
        success, result = validate_frame(frame, name, spec())
        return dg.AssetCheckResult(
            passed=success,
            metadata={
                "rows_validated": dg.MetadataValue.int(len(frame)),
                "expectations": dg.MetadataValue.int(len(result.get("results", []))),
                "failed_expectations": dg.MetadataValue.json(summarize(result)),
            },
        )

    return _blocking_check(asset, name, description, evaluate)
