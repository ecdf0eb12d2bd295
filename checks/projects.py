"""Checks on the conformed projects table."""

from __future__ import annotations

from pipelines.framework.checks import sql_check

projects_valid = sql_check(
    "staging/projects", "projects_ids_cities_amounts_status",
    "Unique ids per source; known cities; non-negative amounts; ISO 4217 currency; start "
    "before end; status within the lifecycle; one primary record per linked project.",
)  # fmt: skip
