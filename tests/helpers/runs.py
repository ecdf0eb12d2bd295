"""The real pipeline as subprocesses (`python -m pipelines.run`, exactly what `make run` does), each
against its own warehouse folder and DAGSTER_HOME, and what the reliability tests look at: the
published file, its marts, the run lock and the temporary files a killed run leaves.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tests.helpers.pipeline import sha256
from warehouse.db import marts_tables

REPO = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 180
BUSY = "another run is writing"


@dataclass
class Run:
    proc: subprocess.Popen
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait(self) -> int:
        try:
            return self.proc.wait(timeout=RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        # The run was started in its own session: kill exactly that process group.
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)


def start_run(warehouse: Path, home: Path, log: Path, *, force: bool = True) -> Run:
    """`python -m pipelines.run` in a subprocess, stdout+stderr to `log` (line-buffered).

    `force` (the default here) rebuilds and republishes even on unchanged inputs, so that every
    run goes through every step these faults are injected into.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASCN_", "DAGSTER_"))}
    env.update(
        ASCN_FORCE_REBUILD="1" if force else "0",
        ASCN_MODE="offline",
        ASCN_OUTPUT_DIR=str(warehouse),
        DAGSTER_HOME=str(home),
        DAGSTER_DISABLE_TELEMETRY="1",
        GX_ANALYTICS_ENABLED="False",
        PYTHONUNBUFFERED="1",
        ASCN_RUN_LOG="debug",  # Dagster's full event log: the kill points wait for step starts
    )
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "dagster_home" / "dagster.yaml", home / "dagster.yaml")  # as make run
    out = log.open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.run"],
        cwd=REPO,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    out.close()
    return Run(proc, log)


def wait_until(run: Run, condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if run.proc.poll() is not None:
            rc = run.proc.returncode
            raise AssertionError(f"run ended (rc {rc}) before {what}:\n{run.text()}")
        if time.monotonic() > deadline:
            run.kill()
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


def step_started(run: Run, step: str) -> Callable[[], bool]:
    return lambda: f'Started execution of step "{step}"' in run.text()


def marts_snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {
        name: sorted(
            con.execute(f"select * from marts.{name}").fetchall(),  # noqa: S608
            key=repr,
        )
        for name in marts_tables(con)
    }


def publication_run_id(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select run_id from meta.publication").fetchall()[0][0]


def check_published(published: Path, expected_sha: str | None = None) -> str:
    """The analysts' file opens read-only, its marts answer; returns its publication run id."""
    if expected_sha is not None:
        assert sha256(published) == expected_sha, "published ascn.duckdb changed"
    con = duckdb.connect(str(published), read_only=True)
    try:
        counts = {k: len(v) for k, v in marts_snapshot(con).items()}
        assert counts["coverage"] > 0 and counts["indicator_values"] > 0, counts
        assert con.execute("select count(*) from marts.indicator_values").fetchall()[0][0] > 0
        return publication_run_id(con)
    finally:
        con.close()


def lock_is_free(warehouse: Path) -> bool:
    fd = os.open(warehouse / "build" / "run.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def stale_temp_files(warehouse: Path) -> list[str]:
    return sorted(p.name for p in warehouse.glob(".ascn.duckdb.*.tmp"))


@dataclass
class Baseline:
    warehouse: Path
    home: Path
    sha: str
    run_id: str
    marts: dict[str, list[tuple]]
    seconds: float


@dataclass
class SecondRound:
    """Two runs started together on a copy of `first_run`'s warehouse (and instance) while an
    analyst session is open; `first_run`'s own folder stays as it was, for the tests that start
    from it whichever module runs first."""

    warehouse: Path
    codes: list[int]
    logs: list[str]
    analyst_answers: list[tuple]
    analyst_after: tuple
    other_process_sees: str
    same_process_after_reopen: str
    marts: dict[str, list[tuple]]
    winner_run_id: str
