"""Reading register files: a .csv (UTF-8) or .xlsx sheet as a header and rows of cells.

Used for the city project registers and the company register. A problem with the whole file
raises `FileRefused` (a ``ValueError``) naming the file and what to do (the column, cell or
range where there is one); problems the reader sees in one row (a cell over the size limit, an
unclosed quote that swallowed the next lines, a last row cut by a partial upload) are returned
in `Table.row_problems` for the caller (`project_register`, `companies`) to quarantine the row.
Every read is bounded (`Limits`: file bytes, data rows, cell characters, unpacked xlsx bytes),
checked before the file is loaded, so an oversized upload cannot exhaust the machine's memory.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assets.projects.fields import clean_text, is_blank
from pipelines.settings import Settings

# A problem found in a row: (field, value, reason).
Problem = tuple[str, Any, str]
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


class FileRefused(ValueError):
    """The whole file cannot be read; the message names it and says what to do."""


@dataclass(frozen=True)
class Limits:
    """Bounds of one register file; defaults are those of `Settings`."""

    max_bytes: int = Settings.register_max_bytes
    max_rows: int = Settings.register_max_rows
    max_cell_chars: int = Settings.register_max_cell_chars
    xlsx_max_uncompressed_bytes: int = Settings.xlsx_max_uncompressed_bytes

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            settings.register_max_bytes,
            settings.register_max_rows,
            settings.register_max_cell_chars,
            settings.xlsx_max_uncompressed_bytes,
        )


@dataclass
class Table:
    """A register file read as cells: normalised header, data rows, the xlsx formula cells
    without a cached value ((data row index, column) -> cell ref), the header names that are not
    expected, problems found per data row index, and file-level warnings (hidden sheets...).
    Unpacks as the first four fields, like the tuple it replaced."""

    header: list[str]
    rows: list[list[Any]]
    formula_cells: dict[tuple[int, int], str] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)
    row_problems: dict[int, list[Problem]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.header, self.rows, self.formula_cells, self.extra))


def shorten(value: Any, limit: int = 80) -> str:
    """A value as it may appear in a message: one line, at most `limit` characters."""
    text = re.sub(r"\s+", " ", str(value)).strip()
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def _refuse_size(path: Path, limits: Limits) -> None:
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise FileRefused(
            f"{path.name}: file is {size:,} bytes, over the limit of {limits.max_bytes:,} bytes "
            "(ASCN_REGISTER_MAX_BYTES); it was not read. A city register is far smaller: check "
            "that this is the right file, or split it"
        )


def _too_many_rows(path: Path, limits: Limits) -> FileRefused:
    return FileRefused(
        f"{path.name}: more than {limits.max_rows:,} data rows (ASCN_REGISTER_MAX_ROWS); reading "
        "stopped there. Check that this is the right file, or split it"
    )


def _looks_utf16(raw: bytes) -> bool:
    head = raw[:4096]
    zeros = sorted((head[0::2].count(0), head[1::2].count(0)))
    half = max(len(head) // 2, 1)
    # Latin text in UTF-16: every other byte is 0, the bytes between are not.
    return zeros[1] > 0.4 * half and zeros[0] < 0.1 * half


def _decode(path: Path, raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(
            f"{path.name}: file is UTF-16 encoded; save it as 'CSV UTF-8' and upload again"
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    nul = raw.find(b"\0")
    if nul >= 0:
        if _looks_utf16(raw):
            raise FileRefused(
                f"{path.name}: file is UTF-16 encoded without a byte-order mark (every other "
                "byte is 0); save it as 'CSV UTF-8' and upload again"
            )
        line = raw[:nul].count(b"\n") + 1
        raise FileRefused(
            f"{path.name}: NUL byte (0x00) on line {line}: the file holds binary data, not text "
            "(a damaged copy, or not a CSV); save the register as 'CSV UTF-8' and upload again"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileRefused(
            f"{path.name}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} on line {line}); "
            "the register must be saved as 'CSV UTF-8' (other encodings such as cp1252 or "
            "latin-1 are refused, not guessed, so names in Khmer, Thai or Vietnamese "
            "cannot be corrupted)"
        ) from None


def normalise_header(cells: list[Any] | tuple[Any, ...]) -> list[str]:
    return [re.sub(r"\s+", "_", (clean_text(c) or "").casefold()) for c in cells]


def _detect_delimiter(first_line: str, expected: tuple[str, ...]) -> str:
    best, best_hits = ",", -1
    for delim in (",", ";", "\t"):
        cells = next(csv.reader([first_line], delimiter=delim), [])
        hits = len(set(normalise_header(cells)) & set(expected))
        if hits > best_hits:
            best, best_hits = delim, hits
    return best


@contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    # csv's limit is process-wide: raised for this read (the file size is bounded already, and
    # cells are checked against Limits.max_cell_chars below with a message naming the row).
    old = csv.field_size_limit()
    csv.field_size_limit(max(limit, old))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def check_cells(
    cells: list[Any], header: list[str], limits: Limits, problems: list[Problem]
) -> list[Any]:
    """Cells over the character limit become a problem of the row (and are cut, to keep memory)."""
    for j, cell in enumerate(cells):
        if isinstance(cell, str) and len(cell) > limits.max_cell_chars:
            name = header[j] if j < len(header) and header[j] else f"column {j + 1}"
            problems.append(
                (
                    name,
                    f"{len(cell):,} characters",
                    f"cell_too_long ({len(cell):,} characters; the limit is "
                    f"{limits.max_cell_chars:,}, ASCN_REGISTER_MAX_CELL_CHARS)",
                )
            )
            cells[j] = cell[: limits.max_cell_chars]
    return cells


def _swallowed_lines(cell: str, delim: str, width: int) -> int:
    """How many of the lines inside a quoted cell look like rows of the register (an opening
    quote that was never closed reads the next rows into the cell)."""
    need = max(2, width // 2 + 1)
    return sum(
        1
        for line in cell.splitlines()[1:]
        if len(next(csv.reader([line], delimiter=delim), [])) >= need
    )


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` with their endings, as slices made one at a time (an io.StringIO
    would hold a second, four-bytes-a-character copy of the whole file)."""
    if "\n" not in text:  # old Mac files end lines with CR alone: let csv split them
        yield from io.StringIO(text, newline="")
        return
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _read_csv_table(path: Path, expected: tuple[str, ...], limits: Limits) -> Table:
    _refuse_size(path, limits)
    text = _decode(path, path.read_bytes())
    if not text.strip():
        raise FileRefused(f"{path.name}: file is empty (no header row)")
    delim = _detect_delimiter(re.split(r"\r\n|\r|\n", text, maxsplit=1)[0], expected)
    table = Table([], [])
    with _field_limit(len(text) + 1):
        reader = csv.reader(_lines(text), delimiter=delim)
        header_cells = next(reader, [])
        long = [j + 1 for j, c in enumerate(header_cells) if len(c) > 200]
        if long:
            raise FileRefused(
                f"{path.name}: header cell(s) in column(s) {', '.join(map(str, long[:5]))} are "
                "longer than 200 characters: the first line is not the register's header"
            )
        table.header = normalise_header(header_cells)
        width = len(table.header)
        line_before = reader.line_num
        for cells in reader:
            i = len(table.rows)
            if i >= limits.max_rows:
                raise _too_many_rows(path, limits)
            problems: list[Problem] = []
            first_line, last_line = line_before + 1, reader.line_num
            line_before = reader.line_num
            for j, cell in enumerate(cells):
                if ("\n" in cell or "\r" in cell) and _swallowed_lines(cell, delim, width):
                    name = table.header[j] if j < width and table.header[j] else f"column {j + 1}"
                    problems.append(
                        (
                            name,
                            f"lines {first_line}-{last_line}",
                            f"unclosed_quote: a quote opened in column '{name}' on line "
                            f"{first_line} is not closed, so lines {first_line + 1}-{last_line} "
                            "were read into this one cell (they look like rows); close the "
                            "quote and upload again",
                        )
                    )
                    break
            table.rows.append(check_cells(cells, table.header, limits, problems))
            if problems:
                table.row_problems[i] = problems
    last = len(table.rows) - 1
    if (
        last >= 0
        and not text.endswith(("\n", "\r"))
        and not all(is_blank(c) for c in table.rows[last])
    ):
        cells = table.rows[last]
        j = max(k for k, c in enumerate(cells) if not is_blank(c))
        name = table.header[j] if j < len(table.header) and table.header[j] else f"column {j + 1}"
        table.row_problems.setdefault(last, []).append(
            (
                name,
                shorten(cells[j]),
                "last_row_cut: the file does not end with a line break, so the upload may have "
                "been cut inside this row (spreadsheet programs end every row with one); upload "
                "the complete file again",
            )
        )
    return table


def read_table(
    path: Path,
    expected: tuple[str, ...],
    required: tuple[str, ...],
    limits: Limits | None = None,
) -> Table:
    """Read a .csv (UTF-8, `,` `;` or tab) or .xlsx register; `FileRefused` names the file and
    what makes it unreadable (size, encoding, merged cells, duplicate or missing columns...)."""
    path = Path(path)
    limits = limits or Limits()
    suffix = path.suffix.casefold()
    if not path.exists():
        raise FileRefused(f"{path.name}: file not found ({path})")
    if suffix in CSV_SUFFIXES:
        table = _read_csv_table(path, expected, limits)
    elif suffix in XLSX_SUFFIXES:
        from assets.projects.register_xlsx import read_xlsx_table

        table = read_xlsx_table(path, limits)
    else:
        raise FileRefused(f"{path.name}: unsupported file type '{path.suffix}' (use .csv or .xlsx)")
    header = table.header
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise FileRefused(f"{path.name}: duplicate column(s) {', '.join(dupes)}")
    missing = [c for c in required if c not in header]
    if missing:
        found = ", ".join(shorten(h, 40) for h in header[:20] if h) or "none"
        raise FileRefused(
            f"{path.name}: missing required column(s): {', '.join(missing)} "
            f"(found: {found}; expected delimiter , ; or tab and the header of the template)"
        )
    table.extra = [h for h in header if h and h not in expected]
    return table
