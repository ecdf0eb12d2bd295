"""Sensors: project registers dropped in the inbox, runs left STARTED by a killed process, and an
optional failure webhook."""

from __future__ import annotations

import hashlib
import json
import os

import dagster as dg
import requests

from pipelines.framework.inbox import inbox_state
from pipelines.jobs import nightly_job
from pipelines.settings import Settings
from pipelines.stale_runs import build_lock, fail_dead_runs


@dg.sensor(
    job=nightly_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Runs the pipeline when a project register in the inbox is added or changed.",
)
def project_register_inbox(context: dg.SensorEvaluationContext):
    state = inbox_state(Settings.from_env().inbox_dir)
    previous = json.loads(context.cursor) if context.cursor else {}
    changed = sorted(name for name, digest in state.items() if previous.get(name) != digest)
    context.update_cursor(json.dumps(state))
    if not changed:
        return dg.SkipReason("no new or changed register file in the inbox")
    run_key = hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()
    return dg.RunRequest(
        run_key=run_key, tags={"ascn/trigger": "inbox", "ascn/files": ",".join(changed)[:200]}
    )


@dg.sensor(
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks failed the runs left STARTED by a killed process, so the queue goes on.",
)
def dead_run_sweeper(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    dead = fail_dead_runs(context.instance, build_lock(Settings.from_env()))
    return dg.SkipReason(f"marked failed: {', '.join(dead)}" if dead else "no dead run")


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Posts failed runs to ASCN_FAILURE_WEBHOOK_URL when it is set (off by default).",
)
def failure_webhook(context: dg.RunFailureSensorContext) -> None:
    url = os.environ.get("ASCN_FAILURE_WEBHOOK_URL")
    if not url:
        return
    message = {
        "text": f"ASCN pipeline run {context.dagster_run.run_id} failed: "
        f"{context.failure_event.message}",
        "run_id": context.dagster_run.run_id,
        "job": context.dagster_run.job_name,
    }
    requests.post(url, json=message, timeout=10).raise_for_status()
