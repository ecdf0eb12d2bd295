"""Checks on the projects family: the conformed projects table (`staging/projects`)."""

from __future__ import annotations

from assets.projects.schema import STATUSES
from pipelines.framework.checks import sql_check

projects_valid = sql_check(
    "staging/projects", "projects_ids_cities_amounts_status",
    "Unique ids per source; known cities; non-negative amounts; ISO 4217 currency; start "
    "before end; status within the lifecycle; one primary record per linked project.",
    params={"statuses": list(STATUSES)},  # the one lifecycle list (assets/projects/schema.py)
)  # fmt: skip
