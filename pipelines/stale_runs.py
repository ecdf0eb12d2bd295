"""Runs left STARTED by a killed process: found and marked failed, so the queue goes on.

The default run launcher cannot tell whether a run's process is alive, and the instance queue
(one run at a time, dagster_home/dagster.yaml) counts a STARTED run as in progress: one killed
run would block the nightly schedule and the inbox sensor forever. A live run always holds the
build lock (`output/build/run.lock`, taken by `WarehouseResource` seconds after the run starts),
so a run that is STARTED for longer than a grace period while nobody holds the lock is dead.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import dagster as dg

from pipelines.settings import Settings

IN_FLIGHT = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]
GRACE_S = 120.0  # a starting run takes the build lock within seconds


def build_lock_is_free(lock: Path) -> bool:
    """True when no process holds the build lock (no run is writing the build file)."""
    if not lock.exists():
        return True
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing releases a lock taken here
    return True


def fail_dead_runs(
    instance: dg.DagsterInstance,
    lock: Path,
    grace_s: float | None = None,
    now: float | None = None,
) -> list[str]:
    """Mark every in-flight run older than `grace_s` (default GRACE_S) failed when the build lock
    is free."""
    if not build_lock_is_free(lock):
        return []
    grace_s = GRACE_S if grace_s is None else grace_s
    now = time.time() if now is None else now
    dead = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=IN_FLIGHT)):
        started = record.start_time or record.create_timestamp.timestamp()
        if now - started < grace_s:
            continue
        instance.report_run_failed(
            record.dagster_run,
            message="run marked failed: its process is gone (no process holds the build lock "
            f"{lock}); it was left STARTED by a killed process",
        )
        dead.append(record.dagster_run.run_id)
    return dead


def build_lock(settings: Settings) -> Path:
    return settings.build_db.parent / "run.lock"
