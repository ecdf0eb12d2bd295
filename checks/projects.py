"""Checks on the projects family: the conformed projects table (`staging/projects`).

- `projects_valid` (blocking): unique ids, known cities, amounts, currencies, dates, the
  lifecycle, one primary record per project, an as-of date for every status. A record without
  a status is published with status empty and a flag: it never blocks the others.
- `projects_flagged_records` (WARN, non-blocking): how many records were published with a
  flag (status missing, placeholder date treated as missing, ...), counted by flag.
"""

import dagster as dg

from assets.projects.schema import STATUSES
from pipelines.framework.checks import sql_check
from pipelines.resources import WarehouseResource

projects_valid = sql_check(
    "staging/projects", "projects_ids_cities_amounts_status",
    "Unique ids per source; known cities; non-negative amounts; ISO 4217 currency; start "
    "before end; status within the lifecycle, with its as-of date (a missing status only with "
    "its flag); one primary record per linked project.",
    params={"statuses": list(STATUSES)},  # the one lifecycle list (assets/projects/schema.py)
)  # fmt: skip

FLAGS_SQL = """
select split_part(f, ':', 1) as flag, count(*) as records,
       string_agg(distinct source_id || ':' || source_project_id, ', ') as sample
from staging.projects, unnest(record_flags) as t(f)
group by 1 order by records desc, flag
"""

#: the non-blocking checks of this module
WARNINGS = frozenset({"projects_flagged_records"})


@dg.asset_check(
    asset=dg.AssetKey(["staging", "projects"]),
    name="projects_flagged_records",
    blocking=False,
    description="Warns when records were published with a flag (missing status, placeholder "
    "date treated as missing, ...); counts by flag.",
)
def projects_flagged_records(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        rows = con.execute(FLAGS_SQL).fetchall()
    total = sum(n for _, n, _ in rows)
    return dg.AssetCheckResult(
        passed=total == 0,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{total} flag(s) on published project records" if total else None,
        metadata={
            "flags": dg.MetadataValue.json({flag: n for flag, n, _ in rows}),
            "sample": dg.MetadataValue.text("; ".join(s[:200] for _, _, s in rows) or "none"),
        },
    )
