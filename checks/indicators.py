"""Checks on the indicator marts, each on the table it reads (assets/indicators).

Blocking: uniqueness, the comparability rules (one unit type per comparison set, no rank over
fewer than 5 values, no national value ranked among cities, no ratio across units, nothing
neutral or implausible scored), coverage, focus-area gating, GX ranges.
Warnings (non-blocking, severity WARN): a change of any city's headline population, year, unit
or source between two builds (with old and new values); a pilot unit the registry does not
confirm, or that has no figure in the sources.
"""

import dagster as dg
import duckdb

from assets.indicators.marts import MIN_RANK_SET
from pipelines.framework.checks import CHECK_SQL, gx_check, sql_check
from pipelines.framework.expectations import SuiteSpec, between, not_null
from pipelines.framework.versions import last_built, run_id_of
from pipelines.resources import WarehouseResource

PEER_GROUPS = dg.AssetKey(["marts", "city_peer_groups"])
#: the non-blocking checks of this module
WARNINGS = frozenset({"headline_changed", "pilot_units_confirmed"})
CHANGES = (CHECK_SQL / "indicator_headline_changes.sql").read_text(encoding="utf-8")


def indicator_suite() -> SuiteSpec:
    return [
        not_null("city_id"),
        not_null("city_name"),
        not_null("indicator_id"),
        not_null("value"),
        not_null("unit"),
        not_null("unit_type"),
        not_null("unit_id"),
        not_null("provenance"),
        between("score", 0, 100),
        between("peer_score", 0, 100),
        between("year_gap", 0, 30),
        between("rank_position", 1, 100_000),
        between("rank_set_size", 1, 100_000),
    ]


indicator_values_unique = sql_check(
    "marts/indicator_values", "indicator_values_unique_and_in_catalogue",
    "One value per (city, indicator, year); every value's indicator is in the catalogue.",
)  # fmt: skip
indicator_values_comparable = sql_check(
    "marts/indicator_values", "indicator_values_comparable",
    "One unit type per comparison set; ranks only over sets of 5 or more; no national value "
    "ranked or scored among cities; denominator of the same unit; no neutral or implausible "
    "value scored.",
    params={"min_rank_set": MIN_RANK_SET},
)  # fmt: skip
indicator_values_ranges = gx_check(
    "marts/indicator_values", "indicator_values_plausible", "marts.indicator_values",
    indicator_suite, "GX: scores within 0-100, unit, unit id and provenance on every value.",
)  # fmt: skip
coverage_complete = sql_check(
    "marts/coverage", "indicator_coverage_every_cell",
    "A coverage row for every city and catalogue indicator.",
)  # fmt: skip
focus_area_scores_gated = sql_check(
    "marts/focus_area_scores", "indicator_focus_area_scores_gated",
    "Focus-area scores only at or above the minimum coverage; ranks only among 5 or more.",
    params={"min_rank_set": MIN_RANK_SET},
)  # fmt: skip


def _table(frame_rows: list[tuple], columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in r) + " |" for r in frame_rows]
    return "\n".join(lines)


def headline_changes(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[tuple]]:
    """Cities whose headline differs between the last two builds of city_peer_groups."""
    cursor = con.execute(CHANGES)
    rows = cursor.fetchall()
    return [d[0] for d in cursor.description], rows


@dg.asset_check(
    asset=PEER_GROUPS,
    name="headline_changed",
    blocking=False,
    description="Warns when a city's headline population, year, unit or source changed since "
    "the previous build (old and new values).",
)
def headline_changed(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        built = last_built(con, "marts/city_peer_groups")
        if built is None or built.run_id != run_id_of(context):
            # Not rebuilt in this run: the published headlines are the ones of the last build.
            return dg.AssetCheckResult(
                passed=True,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"rebuilt_in_this_run": dg.MetadataValue.bool(False)},
            )
        columns, rows = headline_changes(con)
    cities = ", ".join(r[0] for r in rows)
    return dg.AssetCheckResult(
        passed=not rows,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"headline changed for {len(rows)} city(ies): {cities}" if rows else None,
        metadata={
            "rebuilt_in_this_run": dg.MetadataValue.bool(True),
            "changed_cities": dg.MetadataValue.int(len(rows)),
            "changes": dg.MetadataValue.md(_table(rows, columns) if rows else "none"),
        },
    )


@dg.asset_check(
    asset=PEER_GROUPS,
    name="pilot_units_confirmed",
    blocking=False,
    description="Warns for every city whose pilot unit the registry does not confirm, or whose "
    "pilot unit has no population figure in the sources (no headline).",
)
def pilot_units_confirmed(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        cursor = con.execute(
            "select city_id, headline_unit_name, headline_population, headline_note "
            "from marts.city_peer_groups "
            "where not pilot_unit_confirmed or headline_unit_id is null order by city_id"
        )
        rows = cursor.fetchall()
        columns = [d[0] for d in cursor.description]
    return dg.AssetCheckResult(
        passed=not rows,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"pilot unit to confirm: {', '.join(r[0] for r in rows)}" if rows else None,
        metadata={
            "cities": dg.MetadataValue.int(len(rows)),
            "detail": dg.MetadataValue.md(_table(rows, columns) if rows else "none"),
        },
    )
