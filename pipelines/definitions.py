"""The one Dagster `Definitions` of this code location (see workspace.yaml).

Assets and checks are discovered in the `assets` and `checks` packages: a new module in a source
family is picked up without editing this file.
"""

from __future__ import annotations

import dagster as dg

import assets
import checks
from pipelines.jobs import nightly_job
from pipelines.logs import steps
from pipelines.resources import SourcesResource, WarehouseResource
from pipelines.schedules import nightly_schedule
from pipelines.sensors import dead_run_sweeper, failure_webhook, project_register_inbox

defs = dg.Definitions(
    assets=dg.load_assets_from_package_module(assets),
    asset_checks=dg.load_asset_checks_from_package_module(checks),
    jobs=[nightly_job],
    schedules=[nightly_schedule],
    sensors=[project_register_inbox, dead_run_sweeper, failure_webhook],
    resources={"warehouse": WarehouseResource(), "sources": SourcesResource()},
    # "console" is Dagster's default; `make run` selects "steps" instead (pipelines/run.py).
    loggers={"console": dg.colored_console_logger, "steps": steps},
)
