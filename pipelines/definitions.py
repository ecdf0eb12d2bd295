"""The one Dagster `Definitions` of this code location (see workspace.yaml)."""

from __future__ import annotations

import dagster as dg

import assets.indicators
import assets.infrastructure
import assets.population
import assets.projects
import assets.publish
import assets.reference
import checks.indicators
import checks.infrastructure
import checks.population
import checks.projects
from pipelines.jobs import nightly_job
from pipelines.resources import SourcesResource, WarehouseResource
from pipelines.schedules import nightly_schedule
from pipelines.sensors import failure_webhook, project_register_inbox

ASSET_MODULES = [
    assets.reference,
    assets.population,
    assets.infrastructure,
    assets.projects,
    assets.indicators,
    assets.publish,
]
CHECK_MODULES = [checks.population, checks.infrastructure, checks.projects, checks.indicators]

all_assets = dg.load_assets_from_modules(ASSET_MODULES)

defs = dg.Definitions(
    assets=all_assets,
    asset_checks=dg.load_asset_checks_from_modules(CHECK_MODULES),
    jobs=[nightly_job],
    schedules=[nightly_schedule],
    sensors=[project_register_inbox, failure_webhook],
    resources={"warehouse": WarehouseResource(), "sources": SourcesResource()},
)
