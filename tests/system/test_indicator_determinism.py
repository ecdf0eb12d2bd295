"""Determinism of the published marts (issue 12 item 8): a second forced run over the same build
file, and a run on a copy of data/ whose every source and reference CSV has its rows shuffled,
publish identical marts (scripts/compare_published.py logic: EXCEPT ALL both ways)."""

import csv
import random
import shutil
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import REPO_ROOT
from tests.conftest import run_nightly

sys.path.insert(0, str(REPO_ROOT / "scripts"))
from compare_published import compare  # noqa: E402

# The tables this family publishes (the projects family's marts are compared by its own tests).
INDICATOR_MARTS = {
    "city_units", "city_peer_groups", "indicator_values", "coverage", "focus_area_scores",
    "indicator_catalogue", "city_profile",
}  # fmt: skip


def shuffle_csv_rows(path: Path, rng: random.Random) -> None:
    """Rewrite a CSV with its header first and its data rows in a random order."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    rng.shuffle(body)
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([header, *body])


def mart_differences(before: Path, after: Path) -> list[str]:
    return [p for p in compare(before, after) if p.split(":")[0].split(".")[0] == "marts"]


def view_rows(path: Path) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    rows = con.execute("select * from marts.v_city_vs_peers").fetchall()
    con.close()
    return rows


def test_a_second_forced_run_publishes_identical_marts(published: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    shutil.copytree(published, again)
    result = run_nightly(again, ASCN_FORCE_REBUILD="1")
    assert result.success
    assert mart_differences(published / "ascn.duckdb", again / "ascn.duckdb") == []
    assert view_rows(published / "ascn.duckdb") == view_rows(again / "ascn.duckdb")


@pytest.mark.parametrize("seed", [12])
def test_shuffled_input_rows_publish_identical_marts(
    published: Path, tmp_path: Path, seed: int
) -> None:
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    rng = random.Random(seed)
    sources = sorted((data / "sources").rglob("*.csv"))
    shuffled = [*sources, *sorted((data / "reference").glob("*.csv"))]
    for path in shuffled:
        shuffle_csv_rows(path, rng)
    assert len(shuffled) >= 15
    out = tmp_path / "out"
    result = run_nightly(out, ASCN_DATA_DIR=str(data))
    assert result.success
    problems = mart_differences(published / "ascn.duckdb", out / "ascn.duckdb")
    ours = [p for p in problems if p.split(":")[0].split(".")[1] in INDICATOR_MARTS]
    assert ours == []
    assert view_rows(published / "ascn.duckdb") == view_rows(out / "ascn.duckdb")
