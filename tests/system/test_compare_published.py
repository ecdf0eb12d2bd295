"""scripts/compare_published.py: the proof that a refactoring changed no published number."""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.conftest import REPO, run_nightly

SCRIPT = REPO / "scripts" / "compare_published.py"


def _compare(before: Path, after: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(before), str(after)], capture_output=True, text=True
    )


def _writable_copy(published: Path, dest: Path) -> Path:
    shutil.copy(published, dest)
    dest.chmod(dest.stat().st_mode | stat.S_IWUSR)
    return dest


def test_two_forced_runs_publish_identical_tables(published: Path, tmp_path: Path) -> None:
    again = run_nightly(tmp_path, ASCN_FORCE_REBUILD="1")
    assert again.success
    done = _compare(published / "ascn.duckdb", tmp_path / "ascn.duckdb")
    assert done.returncode == 0, done.stdout
    assert done.stdout.startswith("identical")


def test_a_changed_value_a_lost_row_and_a_count_are_each_reported(
    published: Path, tmp_path: Path
) -> None:
    before = published / "ascn.duckdb"
    after = _writable_copy(before, tmp_path / "after.duckdb")
    con = duckdb.connect(str(after))
    con.execute(
        "update marts.indicator_values set value = value + 1 where rowid = "
        "(select min(rowid) from marts.indicator_values where value is not null)"
    )
    con.execute("delete from marts.projects where rowid = (select min(rowid) from marts.projects)")
    con.execute("delete from raw.cities where rowid = (select min(rowid) from raw.cities)")
    con.close()
    done = _compare(before, after)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert "marts.indicator_values: 1 rows only before, 1 rows only after" in lines
    assert "marts.projects: 1 rows only before, 0 rows only after" in lines
    assert "raw.cities: 31 rows before, 30 after" in lines
