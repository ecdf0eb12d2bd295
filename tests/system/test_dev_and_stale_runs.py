"""`make dev` stops on a signal; a run left STARTED by a killed process does not block the queue."""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dagster as dg
import pytest

from pipelines.sensors import dead_run_sweeper
from pipelines.stale_runs import GRACE_S, fail_dead_runs

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_dev_stops_within_ten_seconds(tmp_path: Path, signum: int) -> None:
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "ASCN_OUTPUT_DIR": str(tmp_path / "out")}
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    wrapper = subprocess.Popen(
        [sys.executable, "-m", "pipelines.dev", "-w", "workspace.yaml", "-h", "127.0.0.1",
         "-p", str(port)],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)
                break
            except OSError:
                assert wrapper.poll() is None, "make dev exited before the UI answered"
                assert time.monotonic() < deadline, "the UI did not answer within 120 s"
                time.sleep(0.5)
        children = subprocess.run(
            ["pgrep", "-P", str(wrapper.pid)], capture_output=True, text=True
        ).stdout.split()
        started = time.monotonic()
        wrapper.send_signal(signum)
        wrapper.wait(timeout=10)
        assert time.monotonic() - started < 10
        assert wrapper.returncode == 0
        time.sleep(0.5)
        assert children and not any(_group_alive(int(pid)) for pid in children)
    finally:
        if wrapper.poll() is None:
            wrapper.kill()


def _started_run(instance: dg.DagsterInstance) -> dg.DagsterRun:
    run = instance.create_run_for_job(_job())
    instance.handle_run_event(
        run.run_id,
        dg.DagsterEvent(
            event_type_value=dg.DagsterEventType.RUN_START.value,
            job_name=run.job_name,
            message="started",
        ),
    )
    return instance.get_run_by_id(run.run_id)


def _job() -> dg.JobDefinition:
    @dg.op
    def noop() -> None:
        return None

    @dg.job
    def nightly() -> None:
        noop()

    return nightly


def test_run_left_started_is_marked_failed_when_nobody_holds_the_build_lock(tmp_path: Path):
    lock = tmp_path / "run.lock"
    lock.touch()
    with dg.instance_for_test() as instance:
        run = _started_run(instance)
        assert run.status == dg.DagsterRunStatus.STARTED
        # Within the grace period a run may still be taking the lock: left alone.
        assert fail_dead_runs(instance, lock) == []
        later = time.time() + GRACE_S + 1
        # A live run holds the lock: left alone, however old.
        fd = os.open(lock, os.O_RDWR)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            assert fail_dead_runs(instance, lock, now=later) == []
        finally:
            os.close(fd)
        assert fail_dead_runs(instance, lock, now=later) == [run.run_id]
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
        # Nothing in flight any more: the one-run queue is free for the next scheduled run.
        in_flight = dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])
        assert instance.get_runs_count(in_flight) == 0


def test_sweeper_sensor_marks_the_dead_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ASCN_OUTPUT_DIR", str(tmp_path))
    monkeypatch.setattr("pipelines.stale_runs.GRACE_S", 0.0)
    with dg.instance_for_test() as instance:
        run = _started_run(instance)
        result = dead_run_sweeper(dg.build_sensor_context(instance=instance))
        assert run.run_id in str(result.skip_message)
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
