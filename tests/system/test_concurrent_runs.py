"""Concurrent writers and readers: a second writer is refused, two runs started together publish
once, an analyst session keeps answering through a publish, and the second run on the same
inputs gives identical marts. See docs/FAULTS.md (d).
"""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.resources import WarehouseBusyError, WarehouseResource
from tests.helpers.runs import (
    BUSY,
    Baseline,
    SecondRound,
    check_published,
)


def test_second_writer_is_refused_while_the_lock_is_held_and_a_stale_lock_file_is_not(
    tmp_path: Path,
) -> None:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "run.lock").touch()  # left by a killed run: no holder, no effect
    first = WarehouseResource(output_dir=str(tmp_path))
    first.setup_for_execution(dg.build_init_resource_context())
    try:
        second = WarehouseResource(output_dir=str(tmp_path))
        with pytest.raises(WarehouseBusyError, match=BUSY):
            second.setup_for_execution(dg.build_init_resource_context())
    finally:
        first.teardown_after_execution(dg.build_init_resource_context())
    third = WarehouseResource(output_dir=str(tmp_path))
    third.setup_for_execution(dg.build_init_resource_context())
    third.teardown_after_execution(dg.build_init_resource_context())


@pytest.mark.slow
def test_two_runs_started_together_one_publishes_the_other_is_refused(
    first_run: Baseline, second_round: SecondRound
) -> None:
    assert sorted(second_round.codes) == [0, 1], second_round.logs
    refused = second_round.logs[second_round.codes.index(1)]
    assert BUSY in refused
    # run.py names the cause on stderr, not just "an exception was thrown".
    assert re.search(rf"FAILED run: .*{BUSY}", refused), refused
    assert "published warehouse was left unchanged" in refused
    check_published(second_round.warehouse / "ascn.duckdb")
    assert {k: len(v) for k, v in second_round.marts.items()} == {
        k: len(v) for k, v in first_run.marts.items()
    }


@pytest.mark.slow
def test_analyst_session_keeps_answering_during_and_after_a_publish(
    first_run: Baseline, second_round: SecondRound
) -> None:
    old = (len(first_run.marts["coverage"]), first_run.run_id)
    assert len(second_round.analyst_answers) > 10  # queried all through the run
    assert set(second_round.analyst_answers) == {old}
    assert second_round.analyst_after == old  # still the old copy (its inode stays alive)
    assert second_round.winner_run_id != first_run.run_id
    assert second_round.other_process_sees == second_round.winner_run_id
    # Note: in the SAME process DuckDB reuses an open database for the same path, so an analyst
    # sees the new file after closing every connection to the old one (docs/FAULTS.md).
    assert second_round.same_process_after_reopen == second_round.winner_run_id


@pytest.mark.slow
def test_second_run_on_same_inputs_gives_identical_marts_without_duplicates(
    first_run: Baseline, second_round: SecondRound
) -> None:
    assert second_round.marts.keys() == first_run.marts.keys()
    for table, rows in first_run.marts.items():
        assert second_round.marts[table] == rows, f"marts.{table} differs between runs"
        assert len(set(map(repr, rows))) == len(rows), f"duplicate rows in marts.{table}"
    con = duckdb.connect(str(second_round.warehouse / "ascn.duckdb"), read_only=True)
    try:
        per_run = con.execute(
            "select table_name, column_name from duckdb_columns() where schema_name = 'marts' "
            "and regexp_matches(column_name, '(run_id|published_at|loaded_at|_retrieved_at)')"
        ).fetchall()
    finally:
        con.close()
    assert per_run == [], f"per-run columns in marts: {per_run}"
