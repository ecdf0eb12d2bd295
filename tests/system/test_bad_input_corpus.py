"""The bad-input corpus: register files a data officer might drop in the inbox, and what happens.

Every case writes its file(s) into a fresh inbox beside a good bystander register, reads the inbox
exactly as `raw.project_register` does (`register_landing.read_registers`), and asserts what is
published, what is quarantined with which reason, the data officer's feedback row, and that the
bystander and the bundled documented projects are unaffected. Expected values are worked out by
hand from each generated file. Machinery: tests/helpers/register_corpus.py; the whole job on one
inbox, change after change: tests/system/test_register_inbox_runs.py.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from assets.projects.register import Limits
from tests.helpers.register_corpus import (
    BUNDLED_ID,
    BYSTANDER,
    BYSTANDER_IDS,
    LINES,
    LONG,
    SECRET,
    Case,
    accepted,
    both,
    every_sheet_hidden,
    feedback_says,
    fifo,
    folder,
    good,
    hidden_stale_first_sheet,
    no_feedback_row,
    non_money,
    not_read,
    quarantined,
    raw_file,
    refused,
    rewrite_member,
    row_fault,
    run_case,
    small_bomb,
    symlink_inside,
    symlink_outside,
    text_file,
    two_new_copies,
    two_visible_sheets,
    unclosed_quote,
    xlsx,
)
from tests.helpers.registers import csv_text, row, write_xlsx

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
        two_new_copies,
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
