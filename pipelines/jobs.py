"""The nightly job over the whole asset graph."""

from __future__ import annotations

import dagster as dg

# In-process: one process writes the DuckDB build file, and no step pays a process start-up.
nightly_job = dg.define_asset_job(
    name="nightly",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Ingest every source, validate, compute indicators and publish for analysts.",
)
