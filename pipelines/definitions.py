"""The one Dagster `Definitions` of this code location (see workspace.yaml)."""

from __future__ import annotations

from datetime import timedelta

import assets.infrastructure
import assets.projects
import checks.indicators
import checks.infrastructure
import checks.population
import checks.projects
import dagster as dg

import assets.indicators
import assets.population
import assets.publish
import assets.reference
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

# A missed night shows in the UI: the published warehouse must be newer than 26 hours.
freshness_checks = dg.build_last_update_freshness_checks(
    assets=[dg.AssetKey(["publish", "warehouse"])], lower_bound_delta=timedelta(hours=26)
)

defs = dg.Definitions(
    assets=all_assets,
    asset_checks=[*dg.load_asset_checks_from_modules(CHECK_MODULES), *freshness_checks],
    jobs=[nightly_job],
    schedules=[nightly_schedule],
    sensors=[
        project_register_inbox,
        failure_webhook,
        dg.build_sensor_for_freshness_checks(freshness_checks=freshness_checks),
    ],
    resources={"warehouse": WarehouseResource(), "sources": SourcesResource()},
)
