"""The bad-input corpus: register files a data officer might drop in the inbox, and what happens.

Every case writes its file(s) into a fresh inbox beside a good bystander register
(`zz_bystander.csv`, two EXAMPLE rows), reads the inbox with the bundled documented projects
exactly as `raw.project_register` does (`register_landing.read_registers`: listing, per-file
isolation, duplicates across files, feedback), and asserts what is published, what is
quarantined with which reason, the data officer's feedback row, and that the bystander and the
bundled file are unaffected. Expected values are worked out by hand from each generated file.
Whole-pipeline faults (last good versions kept across runs, the published file's sha, the inbox
setting, reference lists) are in `tests/system/test_register_pipeline.py`.
"""

from __future__ import annotations

import os
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from assets.projects.register import Limits
from assets.projects.register_batch import Batch
from assets.projects.register_landing import read_registers
from assets.projects.sources import DOCUMENTED_PROJECTS_FILE, RegisterListing
from pipelines.framework.inbox import scan
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
