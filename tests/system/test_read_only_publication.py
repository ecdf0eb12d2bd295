"""Read-only publication: the published file and every Parquet file have no write bits, and an
analyst cannot open the published file read-write. See docs/FAULTS.md (d).
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import duckdb
import pytest

from tests.helpers.pipeline import sha256
from tests.helpers.runs import Baseline, SecondRound


def _open_read_write_as(path: Path, uid: int | None) -> str:
    """Try `duckdb.connect(path)` (read-write) as the analyst; returns 'opened' or the error."""
    if uid is None:
        try:
            duckdb.connect(str(path)).close()
            return "opened"
        except duckdb.Error as exc:
            return str(exc)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: become the analyst, try, report through the pipe
        os.close(r)
        try:
            os.setgid(uid)
            os.setuid(uid)
            duckdb.connect(str(path)).close()
            msg = "opened"
        except BaseException as exc:
            msg = str(exc)
        os.write(w, msg.encode())
        os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    with os.fdopen(r) as f:
        return f.read()


@pytest.mark.slow
def test_published_files_are_read_only_for_analysts(
    first_run: Baseline, second_round: SecondRound, tmp_path: Path
) -> None:
    published = second_round.warehouse / "ascn.duckdb"
    assert stat.S_IMODE(published.stat().st_mode) & 0o222 == 0
    parquet = second_round.warehouse / "parquet"
    files = {p.stem: p for p in parquet.glob("*.parquet")}
    assert files.keys() == second_round.marts.keys()
    con = duckdb.connect()
    for name, path in files.items():
        assert stat.S_IMODE(path.stat().st_mode) & 0o222 == 0, path
        rows = con.execute("select count(*) from read_parquet($p)", {"p": str(path)}).fetchall()
        assert rows[0][0] == len(second_round.marts[name]), name
    con.close()

    if os.geteuid() == 0:
        # root ignores permission bits: check as an unprivileged analyst who owns a copy of the
        # file with the same mode (the case of `make run` on the analyst's own laptop).
        analyst = 65534
        folder = tmp_path / "analyst"
        folder.mkdir()
        shutil.copy2(published, folder / "ascn.duckdb")
        os.chmod(tmp_path, 0o755)
        for p in (folder, folder / "ascn.duckdb"):
            os.chown(p, analyst, analyst)
        target, uid = folder / "ascn.duckdb", analyst
    else:
        target, uid = published, None
    assert stat.S_IMODE(target.stat().st_mode) & 0o222 == 0
    before = sha256(target)
    outcome = _open_read_write_as(target, uid)
    assert "Permission denied" in outcome, outcome
    assert sha256(target) == before
    duckdb.connect(str(target), read_only=True).close()
