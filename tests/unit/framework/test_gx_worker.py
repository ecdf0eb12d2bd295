"""The GX worker of `make run` gives the same outcome as validating in the process, and never
changes a check's outcome when it is missing, dies or fails."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from pipelines.framework import expectations, gx_worker
from pipelines.framework.expectations import between, in_set, not_null

SPEC = [not_null("city_id"), between("population", 1_000, 50_000_000), in_set("unit", ["persons"])]
GOOD = pd.DataFrame(
    {"city_id": ["a", "b", "c"], "population": [1_000, 20_000, 50_000_000], "unit": ["persons"] * 3}
)
# By hand: one population below 1,000 (999), one above 50 M; one unit outside the set.
BAD = pd.DataFrame(
    {
        "city_id": ["a", "b", "c", "d"],
        "population": [999, 20_000, 60_000_000, 30_000],
        "unit": ["persons", "persons", "persons", "households"],
    }
)


def _failed(result: dict) -> dict[str, tuple[int, list[str]]]:
    return {
        f["expectation"]: (f["unexpected_count"], sorted(f["sample"]))
        for f in expectations.summarize(result)
    }


@pytest.fixture(scope="module")
def worker():
    with gx_worker.worker() as started:
        assert started is not None
        yield started


def test_worker_passes_good_rows_and_names_the_bad_ones(worker) -> None:
    assert expectations.validate_frame(GOOD, "good", SPEC)[0]
    success, result = expectations.validate_frame(BAD, "bad", SPEC)
    assert not success
    assert _failed(result) == {
        "expect_column_values_to_be_between": (2, ["60000000", "999"]),
        "expect_column_values_to_be_in_set": (1, ["households"]),
    }


def test_worker_and_this_process_agree(worker) -> None:
    in_worker = worker.validate(BAD, "bad", SPEC)
    here = expectations.validate_here(BAD, "bad", SPEC)
    assert in_worker[0] == here[0] is False
    assert _failed(in_worker[1]) == _failed(here[1])


def test_an_error_in_the_worker_fails_the_check_with_its_message(worker) -> None:
    with pytest.raises(RuntimeError, match="validating broken: AttributeError"):
        worker.validate(GOOD, "broken", [("ExpectNoSuchThing", {"column": "city_id"})])
    assert worker.validate(GOOD, "good", SPEC)[0]  # the worker serves on


def test_a_dead_worker_falls_back_to_this_process(capsys) -> None:
    with gx_worker.worker() as started:
        assert started is not None
        started._proc.kill()  # noqa: SLF001 - the fault under test
        started._proc.wait()  # noqa: SLF001
        success, result = expectations.validate_frame(BAD, "bad", SPEC)
    assert not success and set(_failed(result)) == {
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_in_set",
    }
    assert "validating in this process" in capsys.readouterr().err
    assert expectations.validate_frame(GOOD, "good", SPEC)[0]  # outside the block: here


def test_the_worker_exits_when_its_run_closes_the_pipe() -> None:
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "pipelines.framework.gx_worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0
