"""The bad-input corpus: register files a data officer might drop in the inbox, and what happens.

Every case writes its file(s) into a fresh inbox beside a good bystander register
(`zz_bystander.csv`, two EXAMPLE rows), reads the inbox with the bundled documented projects
exactly as `raw.project_register` does (`register_landing.read_registers`: listing, per-file
isolation, duplicates across files, feedback), and asserts what is published, what is
quarantined with which reason, the data officer's feedback row, and that the bystander and the
bundled file are unaffected. Expected values are worked out by hand from each generated file.

The second part runs the real nightly job (in this process) on a private copy of the data, one
inbox change after another, and checks what analysts see in the published file: the failures the
issue lists (a bad register blocking every city, published projects removed by an unreadable or
vanished file or a wrong inbox setting, a damaged published file never repaired, a file that came
back unchanged not read again, an edited ISO 4217 list ignored).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import random
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from assets.projects.register import Limits
from assets.projects.register_batch import Batch
from assets.projects.register_landing import read_registers
from assets.projects.sources import DOCUMENTED_PROJECTS_FILE, RegisterListing
from pipelines.framework.inbox import scan
from tests.helpers.pipeline import failure_text, query
from tests.helpers.pipeline import run_nightly as run_job
from tests.helpers.registers import REPO, TODAY, csv_text, example_lookups, row, write_xlsx

BUNDLED = REPO / "data" / "sources" / "projects" / DOCUMENTED_PROJECTS_FILE
BUNDLED_ID = "ADB-43319-033"  # its one row (data/sources/projects/documented_city_projects.csv)
BYSTANDER = "zz_bystander.csv"
BYSTANDER_IDS = {"BY-1", "BY-2"}
SECRET = "SECRET-first-line-of-a-file-outside-the-inbox"


@dataclass
class Outcome:
    batch: Batch
    inbox: Path

    def feedback(self, name: str) -> dict:
        rows = self.batch.feedback[self.batch.feedback["file"] == name]
        assert len(rows) == 1, self.batch.feedback.to_dict("records")
        return rows.iloc[0].to_dict()

    def ids(self, name: str | None = None) -> set[str]:
        rows = self.batch.rows
        if name is not None:
            rows = rows[rows["source_uri"] == str(self.inbox / name)]
        return set(rows["source_project_id"])

    def rejects(self, name: str) -> pd.DataFrame:
        r = self.batch.rejects
        return r[r["source_uri"] == str(self.inbox / name)]

    def text(self) -> str:
        """Everything the run tells anyone: reasons, values, feedback, warnings."""
        parts = [*self.batch.warnings, *self.batch.feedback["reason"].dropna()]
        parts += [str(v) for c in ("value", "reason") for v in self.batch.rejects[c].dropna()]
        return "\n".join(parts)


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[Path], object]
    expect: Callable[[Outcome], None]
    limits: Limits = field(default_factory=Limits)


def run_case(case: Case, tmp_path: Path) -> Outcome:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / BYSTANDER).write_text(
        csv_text([row(project_id="BY-1"), row(project_id="BY-2", city="Chiang Mai")])
    )
    case.make(inbox)
    listing = RegisterListing([BUNDLED], inbox.resolve(), scan(inbox))
    batch = read_registers(
        listing, example_lookups(), pd.DataFrame(), limits=case.limits, today=TODAY
    )
    return Outcome(batch, inbox.resolve())


# ----------------------------------------------------------------------------- what to expect
def refused(name: str, *fragments: str) -> Callable[[Outcome], None]:
    def check(o: Outcome) -> None:
        fb = o.feedback(name)
        assert fb["status"] == "refused", fb
        assert fb["reason"].startswith(f"{name}:"), fb["reason"]
        for fragment in fragments:
            assert fragment in fb["reason"], (fragment, fb["reason"])
        assert "nothing of it is published" in fb["reason"]
        assert not o.ids(name)
        whole = o.rejects(name)
        assert len(whole) == 1 and whole.iloc[0]["reason"].startswith(f"{name}:")

    return check


def accepted(name: str, ids: set[str], *notes: str) -> Callable[[Outcome], None]:
    def check(o: Outcome) -> None:
        fb = o.feedback(name)
        assert fb["status"] == "accepted", fb
        assert (fb["rows_in_file"], fb["rows_loaded"], fb["rows_quarantined"]) == (
            len(ids),
            len(ids),
            0,
        )
        assert o.ids(name) == ids
        for note in notes:
            assert note in (fb["reason"] or ""), (note, fb["reason"])

    return check


def quarantined(
    name: str, published: set[str], bad: list[tuple[int, str, str]], rows_in_file: int
) -> Callable[[Outcome], None]:
    """`bad`: (row number, field, start of the reason) of every quarantine row of the file."""

    def check(o: Outcome) -> None:
        assert o.ids(name) == published
        got = sorted((int(r.row_number), r.field, r.reason) for r in o.rejects(name).itertuples())
        assert len(got) == len(bad), got
        for (n, f, reason), (want_n, want_f, want_reason) in zip(got, sorted(bad), strict=True):
            assert (n, f) == (want_n, want_f), got
            assert reason.startswith(want_reason), (reason, want_reason)
        fb = o.feedback(name)
        assert fb["status"] == "partial", fb
        assert fb["rows_in_file"] == rows_in_file
        assert fb["rows_loaded"] == len(published)
        assert fb["rows_quarantined"] == len({n for n, _, _ in bad})
        assert "quarantined: see quarantine.rejected_rows" in fb["reason"]

    return check


def not_read(name: str, fragment: str) -> Callable[[Outcome], None]:
    def check(o: Outcome) -> None:
        fb = o.feedback(name)
        assert fb["status"] == "not_read", fb
        assert fb["reason"].startswith("not read: ") and fragment in fb["reason"], fb["reason"]
        assert fb["rows_loaded"] == 0

    return check


def both(*checks: Callable[[Outcome], None]) -> Callable[[Outcome], None]:
    def check(o: Outcome) -> None:
        for c in checks:
            c(o)

    return check


# ----------------------------------------------------------------------------- file makers
def raw_file(name: str, data: bytes | Callable[[], bytes]) -> Callable[[Path], object]:
    return lambda inbox: (inbox / name).write_bytes(data() if callable(data) else data)


def text_file(name: str, text: str, encoding: str = "utf-8") -> Callable[[Path], object]:
    return raw_file(name, text.encode(encoding))


def good(*ids: str, **overrides: str) -> str:
    return csv_text([row(project_id=i, **overrides) for i in ids])


LINES = good("EX-1", "EX-2", "EX-3").splitlines(keepends=True)  # header + three rows
GOOD_ROW = LINES[1].rstrip("\n")


def xlsx(name: str, mutate: Callable | None = None, rows: list[dict] | None = None, **kw):
    rows = rows if rows is not None else [row(project_id="EX-X1")]
    return lambda inbox: write_xlsx(inbox, rows, name=name, mutate=mutate, **kw)


def hidden_stale_first_sheet(wb) -> None:
    stale = wb.create_sheet("old export", 0)
    stale.append(["project_id", "city", "title", "status", "source"])
    stale.append(["STALE-1", "khm-battambang", "EXAMPLE stale", "active", "https://example.org"])
    stale.sheet_state = "hidden"


def two_visible_sheets(wb) -> None:
    notes = wb.create_sheet("notes", 0)
    notes.append(["read me first"])


def rewrite_member(name: str, member: str, content: bytes) -> Callable[[Path], object]:
    """An xlsx whose `member` is replaced by `content` (malformed XML, huge parts...)."""

    def make(inbox: Path) -> None:
        source = write_xlsx(inbox, [row(project_id="EX-Z")], name=f"src-{name}")
        with zipfile.ZipFile(source) as zin, zipfile.ZipFile(inbox / name, "w") as zout:
            for info in zin.infolist():
                data = content if info.filename == member else zin.read(info)
                zout.writestr(info, data)
        source.unlink()

    return make


def small_bomb(name: str) -> Callable[[Path], object]:
    """A valid workbook plus a 5 MB member of zeros (about 5 KB compressed)."""

    def make(inbox: Path) -> None:
        path = write_xlsx(inbox, [row(project_id="EX-B")], name=name)
        with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("xl/media/padding.bin", bytes(5_000_000))

    return make


def symlink_outside(name: str) -> Callable[[Path], object]:
    def make(inbox: Path) -> None:
        target = inbox.parent / "outside.csv"
        target.write_text(f"{SECRET}\n1,2,3\n")
        (inbox / name).symlink_to(target)

    return make


def symlink_inside(name: str) -> Callable[[Path], object]:
    def make(inbox: Path) -> None:
        (inbox / "real.csv.txt").write_text(good("EX-L"))
        (inbox / name).symlink_to(inbox / "real.csv.txt")

    return make


def fifo(name: str) -> Callable[[Path], object]:
    return lambda inbox: os.mkfifo(inbox / name)


def folder(name: str) -> Callable[[Path], object]:
    def make(inbox: Path) -> None:
        (inbox / name).mkdir()
        (inbox / name / "inner.csv").write_text(good("EX-IN"))

    return make


def unclosed_quote() -> str:
    # Row 2's title opens a quote that the "EX-5" row's quoted title closes: rows EX-3 and EX-4
    # (file lines 4-5) are read into row 2's title; EX-6 (line 7) is read normally.
    lines = [
        LINES[0].rstrip("\n"),
        GOOD_ROW,  # line 2, EX-1
        GOOD_ROW.replace("EX-1", "EX-2").replace("EXAMPLE drainage works", '"EXAMPLE unclosed'),
        GOOD_ROW.replace("EX-1", "EX-3"),
        GOOD_ROW.replace("EX-1", "EX-4"),
        GOOD_ROW.replace("EX-1", "EX-5").replace("EXAMPLE drainage works", 'closes it"'),
        GOOD_ROW.replace("EX-1", "EX-6"),
    ]
    return "\n".join(lines) + "\n"


def non_money(code: str) -> Case:
    return Case(
        f"currency_{code}",
        text_file("money.csv", good("EX-OK") + good("EX-M", currency=code).split("\n", 1)[1]),
        quarantined("money.csv", {"EX-OK"}, [(2, "currency", "not_a_money_currency")], 2),
    )


def row_fault(case_id: str, field_name: str, reason: str, **overrides: str) -> Case:
    text = good("EX-OK") + good("EX-BAD", **overrides).split("\n", 1)[1]
    return Case(
        case_id,
        text_file("rows.csv", text),
        quarantined("rows.csv", {"EX-OK"}, [(2, field_name, reason)], 2),
    )


def every_sheet_hidden(inbox: Path) -> None:
    path = write_xlsx(inbox, [row()], name="hid.xlsx")
    # openpyxl refuses to save a workbook without a visible sheet: edit the saved XML instead.
    with zipfile.ZipFile(path) as zin:
        parts = {i.filename: zin.read(i) for i in zin.infolist()}
    book = parts["xl/workbook.xml"]
    assert book.count(b'state="visible"') == 1, book
    parts["xl/workbook.xml"] = book.replace(b'state="visible"', b'state="hidden"')
    with zipfile.ZipFile(path, "w") as zout:
        for name, data in parts.items():
            zout.writestr(name, data)


def no_feedback_row(name: str) -> Callable[[Outcome], None]:
    def check(o: Outcome) -> None:
        assert name not in set(o.batch.feedback["file"])

    return check


def feedback_says(name: str, fragment: str) -> Callable[[Outcome], None]:
    def check(o: Outcome) -> None:
        assert fragment in o.feedback(name)["reason"]

    return check


LONG = "x" * 140_000  # over csv's own 131,072-character field limit (it raised _csv.Error)

CASES = [
    # --- bytes and encodings
    Case("empty_file", raw_file("empty.csv", b""), refused("empty.csv", "file is empty")),
    Case("whitespace_only", text_file("ws.csv", " \n\n  \n"), refused("ws.csv", "file is empty")),
    Case(
        "header_only",
        text_file("hdr.csv", good()),
        accepted("hdr.csv", set(), "header only, no data rows"),
    ),
    Case(
        "utf16_le_bom",
        text_file("u16.csv", good("EX-U"), "utf-16"),
        refused("u16.csv", "UTF-16 encoded", "CSV UTF-8"),
    ),
    Case(
        "utf16_be_bom",
        raw_file("u16be.csv", b"\xfe\xff" + good("EX-U").encode("utf-16-be")),
        refused("u16be.csv", "UTF-16 encoded"),
    ),
    Case(
        "utf16_le_without_bom",
        text_file("u16nobom.csv", good("EX-U"), "utf-16-le"),
        refused("u16nobom.csv", "UTF-16 encoded without a byte-order mark"),
    ),
    Case(
        "utf16_be_without_bom",
        text_file("u16benobom.csv", good("EX-U"), "utf-16-be"),
        refused("u16benobom.csv", "without a byte-order mark"),
    ),
    Case(
        "cp1252",
        text_file("cp.csv", good("EX-C", title="Café EXAMPLE"), "cp1252"),
        refused("cp.csv", "not valid UTF-8 (byte 0xe9 on line 2)"),
    ),
    Case(
        "invalid_utf8_on_row_3",
        raw_file("bad8.csv", (LINES[0] + LINES[1] + LINES[2]).encode() + b"EX-9,\xff\n"),
        refused("bad8.csv", "byte 0xff on line 4"),
    ),
    Case(
        "file_full_of_nul_bytes",
        raw_file("nul.csv", bytes(200_000)),
        refused("nul.csv", "NUL byte (0x00) on line 1", "binary data"),
    ),
    Case(
        "nul_byte_in_row_2",
        raw_file("nul2.csv", (LINES[0] + LINES[1]).encode() + b"EX-2,\x00x\n"),
        refused("nul2.csv", "NUL byte (0x00) on line 3"),
    ),
    Case(
        "utf8_bom",
        text_file("bom.csv", good("EX-BOM"), "utf-8-sig"),
        accepted("bom.csv", {"EX-BOM"}),
    ),
    Case(
        "random_binary",
        raw_file("random.csv", lambda: random.Random(18).randbytes(50_000)),
        refused("random.csv"),
    ),
    Case(
        "png_renamed_csv",
        raw_file("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)),
        refused("image.csv", "NUL byte"),
    ),
    # --- delimiters, header, line structure
    Case(
        "semicolons",
        text_file("semi.csv", csv_text([row(project_id="EX-S")], delim=";")),
        accepted("semi.csv", {"EX-S"}),
    ),
    Case(
        "tabs",
        text_file("tabs.csv", csv_text([row(project_id="EX-T")], delim="\t")),
        accepted("tabs.csv", {"EX-T"}),
    ),
    Case(
        "pipes",
        text_file("pipes.csv", csv_text([row(project_id="EX-P")], delim="|")),
        refused("pipes.csv", "missing required column(s): project_id, city, title, status"),
    ),
    Case(
        "missing_required_columns",
        text_file("cols.csv", "project_id,city,title\nEX-1,khm-battambang,EXAMPLE\n"),
        refused("cols.csv", "missing required column(s): status, source"),
    ),
    Case(
        "duplicate_header",
        text_file("dup.csv", good("EX-D").replace("\n", ",cost\n", 1)),
        refused("dup.csv", "duplicate column(s) cost"),
    ),
    Case(
        "extra_column_warned",
        text_file("extra.csv", good("EX-E").replace("\n", ",remarks\n", 1)),
        accepted("extra.csv", {"EX-E"}, "column 'remarks' is not in the template and was ignored"),
    ),
    Case(
        "header_in_title_case_with_spaces",
        text_file("titled.csv", good("EX-H").replace("project_id", "Project ID", 1)),
        accepted("titled.csv", {"EX-H"}),
    ),
    Case(
        "first_line_is_not_a_header",
        text_file("longhead.csv", "A" * 300 + "\n" + good("EX-1")),
        refused("longhead.csv", "longer than 200 characters"),
    ),
    Case(
        "crlf_line_endings",
        text_file("crlf.csv", good("EX-CR1", "EX-CR2").replace("\n", "\r\n")),
        accepted("crlf.csv", {"EX-CR1", "EX-CR2"}),
    ),
    Case(
        "cr_only_line_endings",
        text_file("cr.csv", good("EX-M1", "EX-M2").replace("\n", "\r")),
        accepted("cr.csv", {"EX-M1", "EX-M2"}),
    ),
    Case(
        "blank_lines_keep_row_numbers",
        text_file("blank.csv", LINES[0] + LINES[1] + "\n,,,\n" + LINES[2].replace("active", "x")),
        quarantined("blank.csv", {"EX-1"}, [(4, "status", "unknown_status")], 2),
    ),
    Case(
        "too_many_cells",
        text_file("wide.csv", LINES[0] + LINES[1].replace("\n", ",surplus\n")),
        quarantined("wide.csv", set(), [(1, "*", "too_many_cells (header has 15)")], 1),
    ),
    Case(
        "row_cut_short",
        text_file("short.csv", LINES[0] + LINES[1] + "EX-2,khm-battambang,EXAMPLE short\n"),
        quarantined(
            "short.csv",
            {"EX-1"},
            [(2, "status", "missing_required"), (2, "source", "missing_required")],
            2,
        ),
    ),
    # --- cell, row and file sizes
    Case(
        "cell_over_csv_field_limit",
        text_file("long.csv", good("EX-1") + good("EX-2", title=LONG).split("\n", 1)[1]),
        quarantined("long.csv", {"EX-1"}, [(2, "title", "cell_too_long (140,000 characters")], 2),
    ),
    Case(
        "cell_over_excel_limit",
        text_file("long2.csv", good("EX-1") + good("EX-2", sector="y" * 40_000).split("\n", 1)[1]),
        quarantined("long2.csv", {"EX-1"}, [(2, "sector", "cell_too_long (40,000 characters")], 2),
    ),
    Case(
        "cell_at_the_limit",
        text_file("limit.csv", good("EX-L", sector="z" * 32_767)),
        accepted("limit.csv", {"EX-L"}),
    ),
    Case(
        "file_over_byte_limit",
        text_file("big.csv", good(*[f"EX-{i}" for i in range(40)])),
        refused("big.csv", "over the limit of 4,096 bytes (ASCN_REGISTER_MAX_BYTES)"),
        Limits(max_bytes=4096),
    ),
    Case(
        "rows_over_limit",
        text_file("many.csv", good(*[f"EX-{i}" for i in range(6)])),
        refused("many.csv", "more than 5 data rows (ASCN_REGISTER_MAX_ROWS)"),
        Limits(max_rows=5),
    ),
    # --- quotes and truncation
    Case(
        "unclosed_quote_swallows_rows",
        text_file("quote.csv", unclosed_quote()),
        quarantined(
            "quote.csv",
            {"EX-1", "EX-6"},
            [(2, "title", "unclosed_quote: a quote opened in column 'title' on line 3")],
            3,  # EX-1, EX-2 (lines 3-6: EX-3 to EX-5 read into its title), EX-6
        ),
    ),
    Case(
        "unclosed_quote_to_end_of_file",
        text_file("quote_eof.csv", unclosed_quote().rsplit("\n", 3)[0] + "\n"),
        quarantined(
            "quote_eof.csv",
            {"EX-1"},
            [
                (2, "title", "unclosed_quote"),
                (2, "status", "missing_required"),
                (2, "source", "missing_required"),
            ],
            2,
        ),
    ),
    Case(
        "partial_upload_cut_inside_url",
        text_file("cut.csv", good("EX-1", "EX-2")[: -len("ample.org/register\n")]),
        quarantined("cut.csv", {"EX-1"}, [(2, "source", "last_row_cut")], 2),
    ),
    Case(
        "legit_multiline_title",
        text_file("multi.csv", good("EX-ML", title="EXAMPLE line one\nline two")),
        accepted("multi.csv", {"EX-ML"}),
    ),
    Case(
        "stray_quote_inside_a_field",
        text_file("stray.csv", good("EX-Q").replace("EXAMPLE drainage", 'EXAMPLE 5" drainage')),
        accepted("stray.csv", {"EX-Q"}),
    ),
    # --- row values
    *[non_money(code) for code in ("XXX", "XTS", "XAU", "XAG", "XPT", "XPD", "XDR")],
    row_fault("unknown_currency", "currency", "unknown_currency", currency="XYZ"),
    Case(
        "lower_case_currency",
        text_file("lc.csv", good("EX-LC", currency="usd")),
        accepted("lc.csv", {"EX-LC"}),
    ),  # fmt: skip
    row_fault("country_zzz", "partner_countries", "unknown_country_code", partner_countries="ZZZ"),
    row_fault("country_alpha2", "partner_countries", "bad_country_code", partner_countries="JP"),
    row_fault("unknown_city", "city", "unknown_city", city="Atlantis"),
    row_fault("bad_date", "start_date", "bad_date", start_date="15/01/2021"),
    row_fault(
        "start_after_end",
        "start_date",
        "start_after_end",
        start_date="2024-01-01",
        end_date="2023-01-01",
    ),  # fmt: skip
    row_fault("negative_cost", "cost", "negative_amount", cost="-5"),
    row_fault("cost_in_words", "cost", "not_a_number", cost="about 2 million"),
    row_fault("unknown_status", "status", "unknown_status", status="ongoing"),
    row_fault("missing_title", "title", "missing_required", title=""),
    Case(
        "duplicate_id_within_a_file",
        text_file("dupid.csv", good("EX-1", "EX-2", "EX-1")),
        quarantined(
            "dupid.csv",
            {"EX-2"},
            [
                (1, "project_id", "duplicate_project_id (rows 1, 3)"),
                (3, "project_id", "duplicate_project_id (rows 1, 3)"),
            ],
            3,
        ),  # fmt: skip
    ),
    # --- xlsx
    Case("xlsx_valid", xlsx("ok.xlsx"), accepted("ok.xlsx", {"EX-X1"})),
    Case(
        "xlsx_hidden_stale_first_sheet",
        xlsx("stale.xlsx", hidden_stale_first_sheet),
        both(
            accepted("stale.xlsx", {"EX-X1"}, "sheet 'old export' is hidden and was not read"),
            lambda o: "STALE-1" not in set(o.batch.rows["source_project_id"]),
        ),
    ),
    Case(
        "xlsx_very_hidden_sheet",
        xlsx("vh.xlsx", lambda wb: setattr(wb.create_sheet("x"), "sheet_state", "veryHidden")),
        accepted("vh.xlsx", {"EX-X1"}, "sheet 'x' is hidden and was not read"),
    ),
    Case(
        "xlsx_every_sheet_hidden", every_sheet_hidden, refused("hid.xlsx", "every sheet is hidden")
    ),  # fmt: skip
    Case(
        "xlsx_two_visible_sheets",
        xlsx("two.xlsx", two_visible_sheets),
        accepted("two.xlsx", {"EX-X1"}, "the other sheet(s) notes were not read"),
    ),
    Case(
        "xlsx_first_visible_sheet_when_none_is_named_register",
        xlsx("named.xlsx", sheet="Sheet1"),
        accepted("named.xlsx", {"EX-X1"}),
    ),
    Case(
        "xlsx_merged_cells",
        xlsx(
            "merged.xlsx",
            lambda wb: wb["register"].merge_cells("B2:B3"),
            rows=[row(project_id="EX-1"), row(project_id="EX-2")],
        ),
        refused("merged.xlsx", "has merged cells (B2:B3)"),
    ),  # fmt: skip
    Case(
        "xlsx_formula_without_cached_value",
        xlsx(
            "formula.xlsx",
            lambda wb: wb["register"].cell(3, 10, "=1000*2"),
            rows=[row(project_id="EX-1"), row(project_id="EX-2")],
        ),
        quarantined(
            "formula.xlsx", {"EX-1"}, [(2, "cost", "formula_without_cached_value in cell J3")], 2
        ),
    ),  # fmt: skip
    Case(
        "xlsx_truncated_upload",
        lambda inbox: (inbox / "trunc.xlsx").write_bytes(
            write_xlsx(inbox, [row()], name="full.xlsx").read_bytes()[:3000]
        ),
        refused("trunc.xlsx", "not a readable .xlsx workbook"),
    ),
    Case(
        "xlsx_zip_bomb",
        small_bomb("bomb.xlsx"),
        refused("bomb.xlsx", "ASCN_XLSX_MAX_UNCOMPRESSED_BYTES", "it was not opened"),
        Limits(xlsx_max_uncompressed_bytes=1_000_000),
    ),
    Case(
        "xlsx_encrypted",
        raw_file("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)),
        refused("locked.xlsx", "encrypted (password-protected)"),
    ),
    Case(
        "xlsx_malformed_sheet_xml",
        rewrite_member("badxml.xlsx", "xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row"),
        refused("badxml.xlsx"),
    ),
    Case(
        "xlsx_rows_over_limit",
        xlsx("manyx.xlsx", rows=[row(project_id=f"EX-{i}") for i in range(6)]),
        refused("manyx.xlsx", "more than 5 data rows"),
        Limits(max_rows=5),
    ),
    Case(
        "xlsx_cell_too_long",
        xlsx("longx.xlsx", rows=[row(project_id="EX-1"), row(project_id="EX-2", title="t" * 150)]),
        quarantined("longx.xlsx", {"EX-1"}, [(2, "title", "cell_too_long (150 characters")], 2),
        Limits(max_cell_chars=100),
    ),
    # --- what is in the inbox besides registers
    Case("old_xls", raw_file("old.xls", b"\xd0\xcf\x11\xe0"), not_read("old.xls", "save it as")),
    Case("tsv", text_file("reg.tsv", good("EX-T")), not_read("reg.tsv", "save it as CSV UTF-8")),
    Case("ods", raw_file("reg.ods", b"PK"), not_read("reg.ods", "OpenDocument")),
    Case("pdf", raw_file("reg.pdf", b"%PDF"), not_read("reg.pdf", "unsupported file type")),
    Case("dot_file", text_file(".hidden.csv", good("EX-H")), not_read(".hidden.csv", "hidden")),
    Case(
        "libreoffice_lock_file",
        text_file(".~lock.reg.csv#", "user"),
        not_read(".~lock.reg.csv#", "editor lock file"),
    ),
    Case("excel_owner_file", raw_file("~$reg.xlsx", b"x"), not_read("~$reg.xlsx", "lock")),
    Case("sub_folder", folder("2024"), not_read("2024", "a folder")),
    Case(
        "symlink_outside_the_inbox",
        symlink_outside("link.csv"),
        both(
            not_read("link.csv", "symbolic link"),
            lambda o: SECRET not in o.text(),
        ),
    ),
    Case(
        "symlink_inside_the_inbox",
        symlink_inside("alias.csv"),
        not_read("alias.csv", "links are not followed"),
    ),  # fmt: skip
    Case("named_pipe", fifo("pipe.csv"), not_read("pipe.csv", "not a regular file")),
    Case(
        "readme_is_not_a_submission",
        text_file("README.md", "instructions"),
        no_feedback_row("README.md"),
    ),
    Case(
        "removed_marker_for_nothing",
        text_file("ghost.csv.removed", ""),
        feedback_says("ghost.csv.removed", "nothing from ghost.csv is published"),
    ),
    # --- across files
    Case(
        "same_id_in_two_new_files",
        lambda inbox: [
            (inbox / n).write_text(good("EX-DUP", f"EX-{n[0]}")) for n in ("a.csv", "b.csv")
        ],
        lambda o: two_new_copies(o),
    ),
    Case(
        "id_reused_from_the_bundled_source",
        text_file("reuse.csv", good(BUNDLED_ID, "EX-R")),
        quarantined(
            "reuse.csv",
            {"EX-R"},
            [(1, "project_id", "duplicate_project_id across files (documented_city_projects")],
            2,
        ),
    ),
]


def two_new_copies(o: Outcome) -> None:
    for name, own in (("a.csv", "EX-a"), ("b.csv", "EX-b")):
        assert o.ids(name) == {own}
        (rej,) = o.rejects(name).itertuples()
        assert (rej.row_number, rej.field, rej.value) == (1, "project_id", "EX-DUP")
        assert "a.csv row 1; b.csv row 1" in rej.reason
        assert "no copy is published until the id is unique" in rej.reason
        assert o.feedback(name)["status"] == "partial"


def test_the_corpus_has_at_least_sixty_distinct_cases() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) >= 60 and len(set(ids)) == len(ids), len(ids)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_case(case: Case, tmp_path: Path) -> None:
    outcome = run_case(case, tmp_path)
    case.expect(outcome)
    # The other files go on: the bystander and the bundled documented projects are published.
    assert outcome.ids(BYSTANDER) == BYSTANDER_IDS
    assert outcome.feedback(BYSTANDER)["status"] == "accepted"
    assert BUNDLED_ID in set(outcome.batch.rows["source_project_id"])
    assert not outcome.rejects(BYSTANDER).shape[0]
    # Nothing from an earlier version here: every published row is from this read.
    assert not outcome.batch.rows["from_last_good_version"].any()


# ============================================================================= whole pipeline


def _register(*rows: dict) -> str:
    return csv_text(list(rows))


A_GOOD = _register(row(project_id="EX-A1"), row(project_id="EX-A2", city="Chiang Mai"))
B_GOOD = _register(row(project_id="EX-B1"), row(project_id="EX-B2", currency="THB", cost="1000"))


@dataclass
class Snapshot:
    ok: bool
    failure: str
    sha: str
    projects: dict[str, str]  # source_project_id -> record_flags (register rows of marts.projects)
    feedback: dict[str, tuple]  # file -> (status, rows_loaded, rows_kept, reason)
    rejects: list[tuple]  # (file name, row, field, reason)
    repaired: bool
    everything: str  # every text cell of the quarantine and feedback tables


def _snapshot(result, warehouse: Path) -> Snapshot:
    db = warehouse / "ascn.duckdb"
    ok = result.success
    projects = dict(
        query(db, "select source_project_id, record_flags from marts.projects "
                  "where source_id = 'project_register'")
    )  # fmt: skip
    feedback = {
        f: (st, loaded, kept, reason)
        for f, st, loaded, kept, reason in query(
            db,
            "select file, status, rows_loaded, rows_kept_from_last_good, reason "
            "from quarantine.file_feedback where source = 'project_register'",
        )
    }
    rejects = [
        (Path(uri or "").name, n, f, r)
        for uri, n, f, r in query(
            db, "select source_uri, row_number, field, reason from quarantine.rejected_rows "
            "where source = 'project_register' order by all"
        )
    ]  # fmt: skip
    everything = "\n".join(
        str(v)
        for table in ("quarantine.rejected_rows", "quarantine.file_feedback")
        for r in query(db, f"select * from {table}")  # noqa: S608 - constant names
        for v in r
    )
    events = [
        e for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["publish", "warehouse"])
    ]  # fmt: skip
    repaired = bool(events) and "repaired" in events[-1].materialization.metadata
    return Snapshot(ok, failure_text(result), _sha(db), projects, feedback, rejects, repaired,
                    everything)  # fmt: skip


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Snapshot]:
    """One warehouse, one inbox change after another (R0 ... R9); a snapshot after each run."""
    root = tmp_path_factory.mktemp("register_pipeline")
    data, inbox, warehouse = root / "data", root / "inbox", root / "warehouse"
    shutil.copytree(REPO / "data", data)
    inbox.mkdir()
    env = {
        "ASCN_DATA_DIR": str(data),
        "ASCN_INBOX_DIR": str(inbox),
        "ASCN_OUTPUT_DIR": str(warehouse),
        "DAGSTER_HOME": str(root / "dagster_home"),
    }
    out: dict[str, Snapshot] = {}

    def run(name: str, **overrides: str) -> None:
        with pytest.MonkeyPatch.context() as mp:
            result = run_job(mp, env | overrides)
        out[name] = _snapshot(result, warehouse)

    (inbox / "a.csv").write_text(A_GOOD)
    (inbox / "b.csv").write_text(B_GOOD)
    run("R0 two good registers")
    run("R1 unchanged")
    # R2: a.csv replaced by an unreadable version (UTF-16 without BOM); new files: a cell over
    # csv's 131,072-character limit, an id already in b.csv, an unclosed quote, a partial upload,
    # a hidden stale first sheet, an .xls, a symbolic link to a file outside the inbox.
    (inbox / "a.csv").write_bytes(A_GOOD.encode("utf-16-le"))
    (inbox / "c.csv").write_text(_register(row(project_id="EX-C1"),
                                           row(project_id="EX-C2", title=LONG)))  # fmt: skip
    (inbox / "d.csv").write_text(_register(row(project_id="EX-B1"), row(project_id="EX-D2")))
    (inbox / "e.csv").write_text(unclosed_quote().replace("EX-", "EX-E"))
    (inbox / "g.csv").write_text(good("EX-G1", "EX-G2")[: -len("ample.org/register\n")])
    write_xlsx(inbox, [row(project_id="EX-F1")], name="f.xlsx", mutate=hidden_stale_first_sheet)
    (inbox / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (root / "secret.csv").write_text(f"{SECRET}\n")
    (inbox / "link.csv").symlink_to(root / "secret.csv")
    run("R2 bad files")
    (inbox / "b.csv").unlink()
    (inbox / "d.csv").unlink()  # its copy of EX-B1 would take over (the only copy read)
    run("R3 b.csv vanished")
    (inbox / "b.csv").write_text(B_GOOD)
    run("R4 b.csv back unchanged")
    (inbox / "a.csv").unlink()
    (inbox / "a.csv.removed").write_text("")
    run("R5 a.csv removed on purpose")
    iso = data / "reference" / "iso4217_currencies.csv"
    iso.write_text("".join(x for x in iso.read_text().splitlines(keepends=True)
                           if not x.startswith("THB,")))  # fmt: skip
    run("R6 THB no longer in the ISO 4217 list")
    run("R7 inbox setting names a missing folder", ASCN_INBOX_DIR=str(root / "inbx"))
    published = warehouse / "ascn.duckdb"
    published.chmod(0o644)
    with published.open("r+b") as f:  # damage a block of the published file
        f.seek(8192)
        f.write(bytes(4096))
    out["R8 damaged"] = dataclasses.replace(
        out["R7 inbox setting names a missing folder"], sha=_sha(published)
    )
    run("R9 unchanged after the damage")
    return out


TODAY_RUN = datetime.now(UTC).date().isoformat()
KEPT = f'["from_last_good_version:{TODAY_RUN}"]'


@pytest.mark.slow
def test_good_registers_are_published_and_an_unchanged_rerun_keeps_the_file(runs) -> None:
    r0, r1 = runs["R0 two good registers"], runs["R1 unchanged"]
    assert r0.ok, r0.failure
    assert set(r0.projects) >= {"EX-A1", "EX-A2", "EX-B1", "EX-B2", BUNDLED_ID}
    assert r1.ok and r1.sha == r0.sha


@pytest.mark.slow
def test_one_bad_register_never_blocks_the_others(runs) -> None:
    """Issue 18: a cell over 131,072 characters raised _csv.Error and failed the run; the same
    id in two files failed the blocking staging check naming no file; nothing was published."""
    r2 = runs["R2 bad files"]
    assert r2.ok, r2.failure
    assert {"EX-C1", "EX-D2", "EX-E1", "EX-E6", "EX-G1", "EX-F1", "EX-B1"} <= set(r2.projects)
    assert ("c.csv", 2, "title", "cell_too_long (140,000 characters; the limit is 32,767, "
            "ASCN_REGISTER_MAX_CELL_CHARS)") in r2.rejects  # fmt: skip
    (dup,) = [r for r in r2.rejects if r[0] == "d.csv"]
    assert dup[1:3] == (1, "project_id")
    assert "b.csv row 1; d.csv row 1" in dup[3] and "published from b.csv row 1" in dup[3]


@pytest.mark.slow
def test_an_unreadable_replacement_keeps_the_last_good_rows_published(runs) -> None:
    """Issue 18: replacing a register by an unreadable (UTF-16) version unpublished its rows."""
    r2 = runs["R2 bad files"]
    assert r2.projects["EX-A1"] == KEPT and r2.projects["EX-A2"] == KEPT
    status, loaded, kept, reason = r2.feedback["a.csv"]
    assert (status, loaded, kept) == ("refused", 0, 2)
    assert "UTF-16 encoded without a byte-order mark" in reason
    assert f"its 2 row(s) of {TODAY_RUN} stay published" in reason


@pytest.mark.slow
def test_unclosed_quote_and_partial_upload_are_quarantined_with_the_reason(runs) -> None:
    """Issue 18: an unclosed quote swallowed the next rows with no quarantine entry; a partial
    upload cut inside a URL was published as a valid URL."""
    r2 = runs["R2 bad files"]
    assert not {"EX-E2", "EX-E3", "EX-E4", "EX-E5", "EX-G2"} & set(r2.projects)
    assert any(r[:3] == ("e.csv", 2, "title") and r[3].startswith("unclosed_quote")
               for r in r2.rejects)  # fmt: skip
    assert any(r[:3] == ("g.csv", 2, "source") and r[3].startswith("last_row_cut")
               for r in r2.rejects)  # fmt: skip


@pytest.mark.slow
def test_only_what_is_meant_is_read(runs) -> None:
    """Issue 18: a hidden stale first sheet was read instead of the visible one; a symbolic link
    was followed and the first line of its target published in a quarantine reason; .xls files
    were ignored silently."""
    r2 = runs["R2 bad files"]
    assert "STALE-1" not in r2.projects and "EX-F1" in r2.projects
    assert "sheet 'old export' is hidden and was not read" in r2.feedback["f.xlsx"][3]
    link = r2.feedback["link.csv"]
    assert link[0] == "not_read" and "symbolic link" in link[3]
    assert SECRET not in r2.everything
    assert r2.feedback["old.xls"][0] == "not_read" and ".xlsx" in r2.feedback["old.xls"][3]


@pytest.mark.slow
def test_a_vanished_file_stays_published_and_is_read_again_when_it_returns(runs) -> None:
    """Issue 18: a register that vanished and came back unchanged stayed 'file not found'."""
    r3, r4 = runs["R3 b.csv vanished"], runs["R4 b.csv back unchanged"]
    assert r3.ok and r3.projects["EX-B1"] == KEPT and r3.projects["EX-B2"] == KEPT
    assert r3.feedback["b.csv"][0] == "missing" and "b.csv.removed" in r3.feedback["b.csv"][3]
    assert r4.ok and r4.projects["EX-B1"] == "[]" and r4.projects["EX-B2"] == "[]"
    assert r4.feedback["b.csv"][:3] == ("accepted", 2, 0)


@pytest.mark.slow
def test_a_file_removed_on_purpose_leaves_the_publication(runs) -> None:
    r5 = runs["R5 a.csv removed on purpose"]
    assert r5.ok and not {"EX-A1", "EX-A2"} & set(r5.projects)
    assert r5.feedback["a.csv"][0] == "removed"


@pytest.mark.slow
def test_an_edited_iso4217_list_is_seen_without_a_forced_run(runs) -> None:
    """Issue 18: an edited ISO 4217 list was ignored until a forced run."""
    r6 = runs["R6 THB no longer in the ISO 4217 list"]
    assert r6.ok, r6.failure
    assert ("b.csv", 2, "currency", "unknown_currency") in r6.rejects
    assert r6.projects["EX-B2"] == KEPT  # published before: kept from the last good version


@pytest.mark.slow
def test_an_inbox_setting_naming_a_missing_folder_fails_loudly(runs) -> None:
    """Issue 18: a typo in ASCN_INBOX_DIR unpublished every register row without a warning."""
    r6, r7 = (
        runs["R6 THB no longer in the ISO 4217 list"],
        runs["R7 inbox setting names a missing folder"],
    )
    assert not r7.ok
    assert "ASCN_INBOX_DIR=" in r7.failure and "inbx: the inbox folder does not exist" in r7.failure
    assert r7.sha == r6.sha and r7.projects == r6.projects


@pytest.mark.slow
def test_a_damaged_published_file_is_republished_on_an_unchanged_run(runs) -> None:
    """Issue 18: publish was skipped as unchanged because the damaged file existed."""
    damaged, r9 = runs["R8 damaged"], runs["R9 unchanged after the damage"]
    assert r9.ok, r9.failure
    assert r9.repaired and r9.sha != damaged.sha
    assert r9.projects == runs["R6 THB no longer in the ISO 4217 list"].projects
