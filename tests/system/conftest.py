"""Fixtures of the system tests: one published warehouse built by a real run, and a second round
of two concurrent runs on a copy of it. Session-scoped: each is built once (per xdist worker) and
shared by the modules that look at it (crash safety, concurrent runs, read-only publication).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import duckdb
import pytest

from tests.helpers.pipeline import sha256
from tests.helpers.runs import (
    Baseline,
    SecondRound,
    marts_snapshot,
    publication_run_id,
    start_run,
)


@pytest.fixture(scope="session")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    """One complete run that published a warehouse (the state every later fault starts from)."""
    root = tmp_path_factory.mktemp("reliability")
    warehouse, home = root / "warehouse", root / "home"
    t0 = time.monotonic()
    run = start_run(warehouse, home, root / "run1.log")
    assert run.wait() == 0, run.text()
    seconds = time.monotonic() - t0
    published = warehouse / "ascn.duckdb"
    con = duckdb.connect(str(published), read_only=True)
    try:
        marts = marts_snapshot(con)
        run_id = publication_run_id(con)
    finally:
        con.close()
    return Baseline(warehouse, home, sha256(published), run_id, marts, seconds)


@pytest.fixture(scope="session")
def second_round(first_run: Baseline, tmp_path_factory: pytest.TempPathFactory) -> SecondRound:
    root = tmp_path_factory.mktemp("second_round")
    warehouse, home = root / "warehouse", root / "home"
    shutil.copytree(first_run.warehouse, warehouse)
    shutil.copytree(first_run.home, home)
    published = warehouse / "ascn.duckdb"
    analyst = duckdb.connect(str(published), read_only=True)
    query = "select (select count(*) from marts.coverage), (select run_id from meta.publication)"
    answers = [analyst.execute(query).fetchall()[0]]
    runs = [start_run(warehouse, home, root / f"run2{c}.log") for c in "ab"]
    while any(r.proc.poll() is None for r in runs):
        answers.append(analyst.execute(query).fetchall()[0])  # the analyst keeps working
        time.sleep(0.2)
    codes = [r.wait() for r in runs]
    after = analyst.execute(query).fetchall()[0]
    # A new session in another process opens the file now at the published path.
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import duckdb,sys; c = duckdb.connect(sys.argv[1], read_only=True); "
            "print(c.execute('select run_id from meta.publication').fetchall()[0][0])",
            str(published),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    analyst.close()
    con = duckdb.connect(str(published), read_only=True)
    try:
        reopened = publication_run_id(con)
        marts = marts_snapshot(con)
    finally:
        con.close()
    return SecondRound(
        warehouse=warehouse,
        codes=codes,
        logs=[r.text() for r in runs],
        analyst_answers=answers,
        analyst_after=after,
        other_process_sees=probe.stdout.strip(),
        same_process_after_reopen=reopened,
        marts=marts,
        winner_run_id=reopened,
    )
