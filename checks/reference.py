"""Checks on the reference data: the city registry and the focus areas."""

from __future__ import annotations

from pipelines.framework.checks import sql_check

registry_unique = sql_check(
    "staging/reference", "registry_ids_unique_and_complete",
    "City ids unique; name, ISO3 and coordinates present; exactly six focus areas.",
)  # fmt: skip
