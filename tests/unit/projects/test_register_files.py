"""Reading one register file (assets.projects.register, register_xlsx) and listing the inbox
(pipelines.framework.inbox): bounds, encodings, sheets, what is not read and why.

Files are generated here under tmp_path; the two bounded cases of issue 18 (a 1 MiB .xlsx that
unpacks to 1 GiB, a register of 1,000,000 rows) are read in a child process whose peak memory
(VmHWM, /proc/self/status) must stay under 1 GB. That is a memory bound, not a timing.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from assets.projects.project_register import REGISTER_COLUMNS, REGISTER_REQUIRED
from assets.projects.register import FileRefused, Limits, read_table
from pipelines.framework.inbox import InboxMissingError, inbox_state, scan
from pipelines.settings import Settings
from tests.helpers.registers import REPO, csv_text, row, write_xlsx

GIB = 1 << 30
ONE_GB = 1_000_000_000


def test_limits_default_to_the_settings() -> None:
    s = Settings()
    assert Limits() == Limits.of(s)
    assert (s.register_max_cell_chars, s.register_max_rows) == (32_767, 100_000)


def test_table_still_unpacks_as_header_rows_formula_cells_extra(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(csv_text([row()]))
    header, rows, formula_cells, extra = read_table(path, REGISTER_COLUMNS, REGISTER_REQUIRED)
    assert header == list(REGISTER_COLUMNS) and len(rows) == 1
    assert formula_cells == {} and extra == []


def test_oversized_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as f:  # sparse: 2 GiB on disk costs nothing, reading it would
        f.truncate(2 * GIB)
    with pytest.raises(FileRefused, match=r"big\.csv: file is 2,147,483,648 bytes, over"):
        read_table(path, REGISTER_COLUMNS, REGISTER_REQUIRED)


def test_missing_columns_message_never_echoes_a_long_first_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text(",".join(f"{w} " * 30 for w in ("alpha", "beta", "gamma")) + "\n1,2,3\n")
    with pytest.raises(FileRefused) as caught:
        read_table(path, REGISTER_COLUMNS, REGISTER_REQUIRED)
    assert "missing required column(s)" in str(caught.value)
    assert len(str(caught.value)) < 600  # each name cut to 40 characters


def test_hidden_sheet_named_like_the_template_is_not_read(tmp_path: Path) -> None:
    def hide_register(wb) -> None:
        visible = wb.create_sheet("current")
        visible.append(list(REGISTER_COLUMNS))
        visible.append([row(project_id="EX-VISIBLE").get(c) for c in REGISTER_COLUMNS])
        wb["register"].sheet_state = "hidden"

    path = write_xlsx(tmp_path, [row(project_id="EX-HIDDEN")], mutate=hide_register)
    table = read_table(path, REGISTER_COLUMNS, REGISTER_REQUIRED)
    assert [r[0] for r in table.rows] == ["EX-VISIBLE"]
    assert any("sheet 'register' is hidden and was not read" in w for w in table.warnings)


# ----------------------------------------------------------------------------- inbox
def test_inbox_lists_registers_and_says_why_the_rest_is_not_read(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("b.xlsx", "a.CSV", "old.xls", "reg.tsv", ".hidden.csv", "README.md"):
        (inbox / name).write_bytes(b"x")
    (inbox / "a.csv.removed").write_bytes(b"")
    (inbox / "sub").mkdir()
    (tmp_path / "outside.csv").write_text("secret\n")
    (inbox / "link.csv").symlink_to(tmp_path / "outside.csv")
    found = scan(inbox)
    assert [p.name for p in found.registers] == ["a.CSV", "b.xlsx"]
    assert found.removed_names() == {"a.csv"}
    why = {s.name: s.why for s in found.skipped}
    assert set(why) == {"old.xls", "reg.tsv", ".hidden.csv", "sub", "link.csv"}
    assert all(w.startswith("not read: ") for w in why.values())
    assert "symbolic link" in why["link.csv"] and "secret" not in why["link.csv"]
    state = inbox_state(inbox)
    assert state["a.csv.removed"] == "marker" and state["old.xls"] == "not read"
    assert state["a.CSV"] == hashlib.sha256(b"x").hexdigest()
    assert ".hidden.csv" not in state and "README.md" not in state


def test_missing_inbox_fails_naming_the_variable_and_the_path(tmp_path: Path) -> None:
    with pytest.raises(InboxMissingError, match=r"ASCN_INBOX_DIR=.*/nowhere: the inbox folder"):
        scan(tmp_path / "nowhere")
    (tmp_path / "file").write_text("")
    with pytest.raises(InboxMissingError, match="is not a folder"):
        inbox_state(tmp_path / "file")


# ----------------------------------------------------------------------------- memory bounds
CHILD = """
import json, sys
from assets.projects.project_register import REGISTER_COLUMNS, REGISTER_REQUIRED
from assets.projects.register import Limits, read_table
try:
    read_table(sys.argv[1], REGISTER_COLUMNS, REGISTER_REQUIRED, Limits(**json.loads(sys.argv[2])))
    outcome = "read"
except ValueError as exc:
    outcome = str(exc)
status = open("/proc/self/status").read()
peak = int(next(x for x in status.splitlines() if x.startswith("VmHWM")).split()[1]) * 1024
print(json.dumps({"outcome": outcome, "peak_bytes": peak}))
"""


def peak_memory(path: Path, **limits: int) -> dict:
    """Read `path` in a child process; its outcome and peak resident memory (VmHWM)."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), json.dumps(limits)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real workbook whose sheet XML unpacks to 1 GiB from about 1 MiB (spaces deflate ~1000x)."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    source = write_xlsx(path.parent, [row()], name="source.xlsx")
    with (
        zipfile.ZipFile(source) as zin,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout,
    ):
        for info in zin.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                zout.writestr(info, zin.read(info))
        with zout.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            chunk = b" " * (1 << 20)
            for _ in range(1024):
                f.write(chunk)
    return path


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")
def test_zip_bomb_is_refused_from_its_directory_in_bounded_memory(zip_bomb: Path) -> None:
    assert zip_bomb.stat().st_size < 1.5 * (1 << 20)
    with zipfile.ZipFile(zip_bomb) as zf:
        assert sum(i.file_size for i in zf.infolist()) > GIB
    got = peak_memory(zip_bomb)
    assert "ASCN_XLSX_MAX_UNCOMPRESSED_BYTES" in got["outcome"] and "not opened" in got["outcome"]
    assert got["peak_bytes"] < ONE_GB, got
    print(f"zip bomb: peak {got['peak_bytes'] / 1e6:.0f} MB")


@pytest.fixture(scope="module")
def million_rows(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic register of 1,000,000 rows (about 48 MB: under the byte limit)."""
    path = tmp_path_factory.mktemp("million") / "million.csv"
    line = "EX-{},khm-battambang,T,,,,,,,,,active,,,s\n"
    with path.open("w") as f:
        f.write(",".join(REGISTER_COLUMNS) + "\n")
        for i in range(1_000_000):
            f.write(line.format(i))
    return path


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")
def test_million_row_register_is_refused_in_bounded_memory(million_rows: Path) -> None:
    assert million_rows.stat().st_size < Settings().register_max_bytes
    got = peak_memory(million_rows)
    assert "more than 100,000 data rows (ASCN_REGISTER_MAX_ROWS)" in got["outcome"]
    assert got["peak_bytes"] < ONE_GB, got
    print(f"1M-row register: peak {got['peak_bytes'] / 1e6:.0f} MB")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")
def test_million_row_register_with_the_row_limit_raised_still_reads_in_bounded_memory(
    million_rows: Path,
) -> None:
    got = peak_memory(million_rows, max_rows=2_000_000)
    assert got["outcome"] == "read"
    assert got["peak_bytes"] < ONE_GB, got
    print(f"1M-row register read whole: peak {got['peak_bytes'] / 1e6:.0f} MB")
