"""Reading register files: a .csv (UTF-8) or .xlsx sheet as a header and rows of cells.

Used for the city project registers and the company register. A problem with the whole file
raises ``ValueError`` naming the file (and the column, cell or range where there is one); the
rows are checked by the caller (`project_register`, `companies`).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from typing import Any, NamedTuple

from assets.projects.fields import clean_text, is_blank


def _decode(path: Path, raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError(
            f"{path.name}: file is UTF-16 encoded; save it as 'CSV UTF-8' and upload again"
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValueError(
            f"{path.name}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} on line {line}); "
            "the register must be saved as 'CSV UTF-8' (other encodings such as cp1252 or "
            "latin-1 are refused, not guessed, so names in Khmer, Thai or Vietnamese "
            "cannot be corrupted)"
        ) from None


def _normalise_header(cells: list[Any]) -> list[str]:
    return [re.sub(r"\s+", "_", (clean_text(c) or "").casefold()) for c in cells]


def _detect_delimiter(path: Path, text: str, expected: tuple[str, ...]) -> str:
    first = text.splitlines()[0] if text.splitlines() else ""
    best, best_hits = ",", -1
    for delim in (",", ";", "\t"):
        cells = next(csv.reader([first], delimiter=delim), [])
        hits = len(set(_normalise_header(cells)) & set(expected))
        if hits > best_hits:
            best, best_hits = delim, hits
    return best


def _read_csv_table(path: Path, expected: tuple[str, ...]) -> tuple[list[str], list[list[Any]]]:
    raw = path.read_bytes()
    text = _decode(path, raw)
    if not text.strip():
        raise ValueError(f"{path.name}: file is empty (no header row)")
    delim = _detect_delimiter(path, text, expected)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    return _normalise_header(rows[0]), rows[1:]


def _xlsx_merged_ranges(path: Path, worksheet_path: str) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(worksheet_path.lstrip("/")).decode("utf-8", "replace")
    return re.findall(r'<mergeCell\s+ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"', xml)


def _read_xlsx_table(
    path: Path, expected: tuple[str, ...]
) -> tuple[list[str], list[list[Any]], dict[tuple[int, int], str]]:
    """(header, rows, formula_cells): formula_cells maps (data row index, col) -> cell ref of
    a formula that has no cached value."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    head = path.read_bytes()[:8]
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValueError(
            f"{path.name}: workbook is encrypted (password-protected) or an old .xls file; "
            "remove the password / save as .xlsx"
        )
    try:
        wb_values = load_workbook(path, read_only=True, data_only=True)
        wb_formulas = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a bad file
        raise ValueError(
            f"{path.name}: not a readable .xlsx workbook (corrupt or password-protected): "
            f"{type(exc).__name__}: {exc}"
        ) from None
    try:
        names = wb_values.sheetnames
        pick = next(
            (n for n in names if n.casefold() in ("register", "projects", "companies")), names[0]
        )
        ws_v, ws_f = wb_values[pick], wb_formulas[pick]
        merged = _xlsx_merged_ranges(path, ws_v._worksheet_path)
        if merged:
            raise ValueError(
                f"{path.name}: sheet '{pick}' has merged cells ({', '.join(merged[:5])}); "
                "unmerge them so that every row holds its own values"
            )
        values = [list(r) for r in ws_v.iter_rows(values_only=True)]
        formulas = [list(r) for r in ws_f.iter_rows(values_only=True)]
    finally:
        wb_values.close()
        wb_formulas.close()
    if not values or not any(not is_blank(c) for r in values for c in r):
        raise ValueError(f"{path.name}: sheet '{pick}' is empty (no header row)")
    formula_cells: dict[tuple[int, int], str] = {}
    for i, (vrow, frow) in enumerate(zip(values[1:], formulas[1:], strict=False)):
        for j, (v, f) in enumerate(zip(vrow, frow, strict=False)):
            if v is None and isinstance(f, str) and f.startswith("="):
                formula_cells[(i, j)] = f"{get_column_letter(j + 1)}{i + 2}"
    return _normalise_header(values[0]), values[1:], formula_cells


class Table(NamedTuple):
    """A register file read as text cells: normalised header, data rows, and where it has them
    the xlsx formula cells without a cached value ((data row index, column) -> cell ref) and the
    header names that are not expected."""

    header: list[str]
    rows: list[list[Any]]
    formula_cells: dict[tuple[int, int], str]
    extra: list[str]


def read_table(path: Path, expected: tuple[str, ...], required: tuple[str, ...]) -> Table:
    """Read a .csv (UTF-8, `,` `;` or tab) or .xlsx register; ValueError names the file and
    what makes it unreadable (encoding, merged cells, duplicate or missing columns, ...)."""
    path = Path(path)
    suffix = path.suffix.casefold()
    if not path.exists():
        raise ValueError(f"{path.name}: file not found ({path})")
    if suffix in (".csv", ".txt", ".tsv"):
        header, rows = _read_csv_table(path, expected)
        formula_cells: dict[tuple[int, int], str] = {}
    elif suffix in (".xlsx", ".xlsm"):
        header, rows, formula_cells = _read_xlsx_table(path, expected)
    else:
        raise ValueError(f"{path.name}: unsupported file type '{path.suffix}' (use .csv or .xlsx)")
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise ValueError(f"{path.name}: duplicate column(s) {', '.join(dupes)}")
    missing = [c for c in required if c not in header]
    if missing:
        raise ValueError(
            f"{path.name}: missing required column(s): {', '.join(missing)} "
            f"(found: {', '.join(h for h in header if h) or 'none'}; "
            "expected delimiter , ; or tab and the header of the template)"
        )
    extra = [h for h in header if h and h not in expected]
    return Table(header, rows, formula_cells, extra)
