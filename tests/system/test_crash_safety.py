"""Crash safety: a run SIGKILLed at each step leaves the published file whole and the next run
recovers; an unreadable build file is set aside and rebuilt, one held open by another process is
not deleted. See docs/FAULTS.md (d). Nothing under test is mocked.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.resources import WarehouseResource, recover_unreadable_build
from tests.helpers.pipeline import sha256
from tests.helpers.runs import (
    Baseline,
    Run,
    check_published,
    lock_is_free,
    marts_snapshot,
    stale_temp_files,
    start_run,
    step_started,
    wait_until,
)


@pytest.mark.slow
def test_sigkill_at_each_step_keeps_published_file_and_next_run_recovers(
    first_run: Baseline, tmp_path: Path
) -> None:
    """Chain of kills on a copy of a published warehouse. Each run after a kill starts from the
    state the kill left (held lock released by the kernel, build file mid-write, WAL, half-written
    temp copy, half-written Parquet folder) with no clean-up, and the last one completes."""
    warehouse, home = tmp_path / "warehouse", tmp_path / "home"
    shutil.copytree(first_run.warehouse, warehouse)
    published = warehouse / "ascn.duckdb"
    expected_sha = first_run.sha
    build = warehouse / "build" / "ascn_build.duckdb"
    left_behind: dict[str, list[str]] = {}

    kill_points: list[tuple[str, Callable[[Run], Callable[[], bool]]]] = [
        ("raw assets", lambda r: step_started(r, "raw__census_population")),
        ("staging", lambda r: step_started(r, "staging__measures")),
        ("marts", lambda r: step_started(r, "marts_projects")),
        # Temp copy of the published file exists and is being written.
        ("publish copy", lambda r: lambda: bool(stale_temp_files(warehouse))),
        # The new file is in place; the Parquet export is being written.
        ("parquet export", lambda r: lambda: (warehouse / "parquet.new").exists()),
    ]
    for n, (where, condition) in enumerate(kill_points):
        temp_before = set(stale_temp_files(warehouse))
        run = start_run(warehouse, home, tmp_path / f"kill{n}.log")
        wait_until(run, condition(run), where)
        run.kill()
        assert lock_is_free(warehouse), f"{where}: run.lock still held after the kill"
        left_behind[where] = [
            p.name
            for p in [*warehouse.iterdir(), *build.parent.iterdir()]
            if p.name.endswith((".tmp", ".wal", ".new", ".old"))
        ]
        new_temp = set(stale_temp_files(warehouse)) - temp_before
        if where == "parquet export" or (where == "publish copy" and not new_temp):
            # The kill came after os.replace: the new file is complete, not a torn one.
            run_id = check_published(published)
            assert run_id != first_run.run_id
            expected_sha = sha256(published)
            parquet = warehouse / "parquet"
            folder = parquet if parquet.exists() else warehouse / "parquet.old"
            assert {p.stem for p in folder.glob("*.parquet")} == set(first_run.marts)
        else:
            assert check_published(published, expected_sha) == first_run.run_id, where
        if where == "parquet export":
            assert not stale_temp_files(warehouse), "publish removes temp files of killed runs"

    assert left_behind["publish copy"] or left_behind["parquet export"], left_behind
    final = start_run(warehouse, home, tmp_path / "final.log")
    assert final.wait() == 0, final.text()
    run_id = check_published(published)
    assert run_id != first_run.run_id
    assert not stale_temp_files(warehouse)
    assert not (warehouse / "parquet.new").exists() and not (warehouse / "parquet.old").exists()
    con = duckdb.connect(str(published), read_only=True)
    try:
        assert marts_snapshot(con) == first_run.marts  # same inputs, same marts
    finally:
        con.close()
    print(f"left behind by the kills: {json.dumps(left_behind)}")


def _write_big_duckdb(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("create table t as select range as x, 'row ' || range as y from range(200000)")
    con.execute("checkpoint")
    con.close()


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(64 * 1024))


def _truncated(path: Path) -> None:
    _write_big_duckdb(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _zeroed_header(path: Path) -> None:
    _write_big_duckdb(path)
    data = bytearray(path.read_bytes())
    data[4096 : 3 * 4096] = bytes(2 * 4096)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_garbage, _truncated, _zeroed_header])
def test_unreadable_build_file_is_set_aside_and_rebuilt(
    tmp_path: Path, damage: Callable[[Path], None], capfd: pytest.CaptureFixture[str]
) -> None:
    build = tmp_path / "build" / "ascn_build.duckdb"
    build.parent.mkdir()
    damage(build)
    damaged_sha = sha256(build)
    with pytest.raises(duckdb.Error):
        duckdb.connect(str(build)).close()
    resource = WarehouseResource(output_dir=str(tmp_path))
    t0 = time.monotonic()
    resource.setup_for_execution(dg.build_init_resource_context())
    try:
        with resource.connect() as con:
            schemas = {
                r[0] for r in con.execute("select schema_name from duckdb_schemas()").fetchall()
            }
    finally:
        resource.teardown_after_execution(dg.build_init_resource_context())
    assert time.monotonic() - t0 < 20  # no 100 s of connect retries on a file that cannot open
    assert {"raw", "staging", "marts", "meta", "quarantine"} <= schemas
    log = "".join(capfd.readouterr())
    assert "is unreadable" in log and "set aside as" in log and "not deleted" in log
    (aside,) = build.parent.glob("ascn_build.duckdb.damaged-*")
    assert sha256(aside) == damaged_sha  # kept as it was, for inspection
    assert aside.name in log


def test_build_file_held_open_by_another_process_is_not_deleted(tmp_path: Path) -> None:
    """Recovery deletes only a file DuckDB cannot read, never one another program holds open."""
    build = tmp_path / "ascn_build.duckdb"
    _write_big_duckdb(build)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb,sys,time; c = duckdb.connect(sys.argv[1]); print('open', flush=True);"
            " time.sleep(60)",
            str(build),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        assert recover_unreadable_build(build, logging.getLogger("test")) is False
        assert build.exists()
    finally:
        holder.kill()
        holder.wait()
    con = duckdb.connect(str(build), read_only=True)
    assert con.execute("select count(*) from t").fetchall()[0][0] == 200000
    con.close()
    assert recover_unreadable_build(tmp_path / "absent.duckdb", logging.getLogger("t")) is False
