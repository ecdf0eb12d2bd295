"""Nightly refresh at 02:00 Battambang time, running by default."""

from __future__ import annotations

import dagster as dg

from pipelines.jobs import nightly_job

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_refresh",
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Phnom_Penh",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Full refresh every night at 02:00 Asia/Phnom_Penh.",
)
