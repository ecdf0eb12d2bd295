"""Warnings an operator must see on a green run (non-blocking, severity WARN).

- every raw asset: rows its source sent that were quarantined, counted by reason;
- marts/coverage: filled city x indicator cells lost against the published file.
They never stop publication: the data that passed are published, the warning says what did not.
"""

from collections.abc import Iterator

import dagster as dg
import duckdb

from pipelines.framework.discovery import family_asset_keys
from pipelines.resources import WarehouseResource

COVERAGE = dg.AssetKey(["marts", "coverage"])
#: the non-blocking checks of this module (every other check of the project blocks)
WARNINGS = frozenset({"no_quarantined_rows", "coverage_not_dropped"})
FILLED = "select city_id, indicator_id from marts.coverage where filled"


RAW = family_asset_keys("raw")


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            "no_quarantined_rows",
            asset=key,
            blocking=False,
            description="Warns when rows of this source were quarantined (counts by reason).",
        )
        for key in RAW
    ],
    can_subset=True,
)
def quarantined_rows(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.AssetCheckResult]:
    """One step for every raw source (a step per source would cost a step each, for nothing)."""
    with warehouse.connect() as con:
        for check_key in context.selected_asset_check_keys:
            asset = check_key.asset_key
            event = context.instance.get_latest_materialization_event(asset)
            meta = (
                event.asset_materialization.metadata
                if event and event.asset_materialization
                else {}
            )
            source = meta["source"].value if "source" in meta else None
            rows = con.execute(
                "select reason, count(*) as n from quarantine.rejected_rows "
                "where source = $s group by reason order by n desc, reason",
                {"s": source},
            ).fetchall()
            total = sum(n for _, n in rows)
            yield dg.AssetCheckResult(
                asset_key=asset,
                check_name=check_key.name,
                passed=total == 0,
                severity=dg.AssetCheckSeverity.WARN,
                description=f"{total} row(s) of {source} quarantined" if total else None,
                metadata={
                    "source": dg.MetadataValue.text(str(source)),
                    "quarantined_rows": dg.MetadataValue.int(total),
                    "by_reason": dg.MetadataValue.json({reason: n for reason, n in rows}),
                },
            )


@dg.asset_check(
    asset=COVERAGE,
    name="coverage_not_dropped",
    blocking=False,
    description="Warns when city x indicator cells filled in the published file are empty now.",
)
def coverage_not_dropped(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    published = warehouse.settings.published_db
    if not published.exists():
        return dg.AssetCheckResult(passed=True, metadata={"compared_with": "nothing published"})
    with warehouse.connect() as con:
        now = set(con.execute(FILLED).fetchall())
    try:
        before_con = duckdb.connect(str(published), read_only=True)
        try:
            before = set(before_con.execute(FILLED).fetchall())
        finally:
            before_con.close()
    except duckdb.Error as exc:  # damaged published file: publish repairs it in this run
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"the published file {published} could not be read ({exc}); "
            "this run publishes it again",
        )
    lost = sorted(before - now)
    return dg.AssetCheckResult(
        passed=not lost,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{len(lost)} filled cell(s) lost against the published file" if lost else None,
        metadata={
            "filled_published": dg.MetadataValue.int(len(before)),
            "filled_now": dg.MetadataValue.int(len(now)),
            "lost": dg.MetadataValue.json([f"{c}:{i}" for c, i in lost[:50]]),
        },
    )
