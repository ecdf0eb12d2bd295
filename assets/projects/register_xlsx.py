"""Reading an .xlsx register: one visible sheet, streamed, bounded before it is opened.

* Size: the file's bytes, then the sizes its zip directory declares for every member, are
  checked before openpyxl opens it (a 1 MiB zip can unpack to gigabytes). Python's `zipfile`
  never returns more than a member's declared size (a larger stream fails its CRC check), so
  the declared sizes bound what is unpacked.
* Sheet: the visible sheet named like the template's (`register`, `projects`, `companies`), else
  the first visible sheet. A hidden sheet is never read; each one skipped is a warning.
* Rows are streamed and counted; reading stops past `Limits.max_rows`.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from assets.projects.fields import is_blank
from assets.projects.register import (
    FileRefused,
    Limits,
    Problem,
    Table,
    check_cells,
    normalise_header,
)

TEMPLATE_SHEETS = ("register", "projects", "companies")
MAX_MEMBERS = 10_000
_MERGE = re.compile(rb'<mergeCell\s+ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')


def _check_zip(path: Path, limits: Limits) -> None:
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise FileRefused(
            f"{path.name}: file is {size:,} bytes, over the limit of {limits.max_bytes:,} bytes "
            "(ASCN_REGISTER_MAX_BYTES); it was not read"
        )
    with path.open("rb") as f:
        head = f.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(
            f"{path.name}: workbook is encrypted (password-protected) or an old .xls file; "
            "remove the password / save as .xlsx"
        )
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRefused(
            f"{path.name}: not a readable .xlsx workbook (corrupt, cut short or not a workbook): "
            f"{type(exc).__name__}: {exc}"
        ) from None
    unpacked = sum(m.file_size for m in members)
    if len(members) > MAX_MEMBERS or unpacked > limits.xlsx_max_uncompressed_bytes:
        raise FileRefused(
            f"{path.name}: the workbook would unpack to {unpacked:,} bytes in {len(members):,} "
            f"parts from {size:,} bytes, over the limit of "
            f"{limits.xlsx_max_uncompressed_bytes:,} bytes (ASCN_XLSX_MAX_UNCOMPRESSED_BYTES); "
            "it was not opened (a zip bomb, or a workbook far larger than a register)"
        )


def _merged_ranges(path: Path, worksheet_path: str) -> list[str]:
    """Merged ranges of a sheet, found by streaming its XML (never loaded whole)."""
    found: list[str] = []
    tail = b""
    with zipfile.ZipFile(path) as zf, zf.open(worksheet_path.lstrip("/")) as f:
        while chunk := f.read(1 << 20):
            block = tail + chunk
            found += [m.decode() for m in _MERGE.findall(block)]
            tail = block[-200:]
            found = list(dict.fromkeys(found))  # a match in the overlap is seen twice
    return found


def _pick_sheet(path: Path, wb: Any) -> tuple[str, list[str]]:
    """(sheet to read, warnings about the sheets not read)."""
    names = list(wb.sheetnames)
    visible = [n for n in names if wb[n].sheet_state == "visible"]
    hidden = [n for n in names if n not in visible]
    if not visible:
        raise FileRefused(
            f"{path.name}: every sheet is hidden ({', '.join(names)}); only visible sheets are "
            "read: unhide the register sheet and upload again"
        )
    pick = next((n for n in visible if n.casefold() in TEMPLATE_SHEETS), visible[0])
    warnings = [
        f"{path.name}: sheet '{h}' is hidden and was not read (only visible sheets are read; "
        f"the register was read from sheet '{pick}')"
        for h in hidden
    ]
    others = [n for n in visible if n != pick]
    if others:
        warnings.append(
            f"{path.name}: read sheet '{pick}'; the other sheet(s) {', '.join(others)} were not "
            "read (name the register sheet 'register', as in the template)"
        )
    return pick, warnings


def read_xlsx_table(path: Path, limits: Limits) -> Table:
    """Header, rows, formula cells without a cached value, per-row problems and warnings."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    _check_zip(path, limits)
    try:
        wb_values = load_workbook(path, read_only=True, data_only=True)
        wb_formulas = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a bad file
        raise FileRefused(
            f"{path.name}: not a readable .xlsx workbook (corrupt or password-protected): "
            f"{type(exc).__name__}: {exc}"
        ) from None
    try:
        pick, warnings = _pick_sheet(path, wb_values)
        ws_v, ws_f = wb_values[pick], wb_formulas[pick]
        merged = _merged_ranges(path, ws_v._worksheet_path)
        if merged:
            raise FileRefused(
                f"{path.name}: sheet '{pick}' has merged cells ({', '.join(merged[:5])}); "
                "unmerge them so that every row holds its own values"
            )
        table = Table([], [], warnings=warnings)
        rows = zip(ws_v.iter_rows(values_only=True), ws_f.iter_rows(values_only=True), strict=False)
        header_seen = False
        for vrow, frow in rows:
            if not header_seen:
                table.header, header_seen = normalise_header(vrow), True
                continue
            i = len(table.rows)
            if i >= limits.max_rows:
                raise FileRefused(
                    f"{path.name}: more than {limits.max_rows:,} data rows "
                    f"(ASCN_REGISTER_MAX_ROWS) in sheet '{pick}'; reading stopped there"
                )
            problems: list[Problem] = []
            if all(is_blank(c) for c in vrow):
                table.rows.append([])  # keeps the row numbers of the rows below
                continue
            table.rows.append(check_cells(list(vrow), table.header, limits, problems))
            for j, (v, f) in enumerate(zip(vrow, frow, strict=False)):
                if v is None and isinstance(f, str) and f.startswith("="):
                    table.formula_cells[(i, j)] = f"{get_column_letter(j + 1)}{i + 2}"
            if problems:
                table.row_problems[i] = problems
    finally:
        wb_values.close()
        wb_formulas.close()
    if not header_seen or (all(not h for h in table.header) and not any(table.rows)):
        raise FileRefused(f"{path.name}: sheet '{pick}' is empty (no header row)")
    return table
