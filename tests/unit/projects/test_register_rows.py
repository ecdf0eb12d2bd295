"""Rows of a city project register (assets.projects.project_register): what is kept, what is
quarantined with its field and reason, and what refuses the whole file.

Every file is generated here under tmp_path (tests/helpers/registers.py: EXAMPLE rows).
"""

from __future__ import annotations

import zipfile
from datetime import date

import pytest
from openpyxl import Workbook

from assets.projects.lookups import Lookups
from assets.projects.project_register import REGISTER_COLUMNS, read_project_register
from tests.helpers.registers import (
    HEADER,
    REPO,
    TODAY,
    example_lookups,
    one_reject,
    row,
    write_csv,
    write_xlsx,
)


@pytest.fixture
def lookups() -> Lookups:
    """The repository's reference files (ISO 4217, countries, focus areas) with the test cities."""
    return example_lookups()


# ----------------------------------------------------------------------------- valid input
def test_valid_row_is_conformed(tmp_path, lookups):
    rows, rejects = read_project_register(write_csv(tmp_path, [row()]), lookups, TODAY)
    assert rejects.empty
    r = rows.iloc[0]
    assert r["source_id"] == "project_register"
    assert (r["city_id"], r["city_match"]) == ("khm-battambang", "explicit")
    assert r["partner_companies"] == ["EXAMPLE Co A", "EXAMPLE Co B"]
    assert r["partner_countries"] == ["JPN", "KHM"]
    assert r["cost"] == 1_500_000.0 and r["currency"] == "USD"
    assert r["start_date"] == date(2021, 1, 15) and r["source_row"] == 1


def test_city_by_name_and_display_focus_area(tmp_path, lookups):
    path = write_csv(tmp_path, [row(city="battambang", focus_area="Built Infrastructure")])
    rows, rejects = read_project_register(path, lookups, TODAY)
    assert rejects.empty
    assert (rows.iloc[0]["city_id"], rows.iloc[0]["city_match"]) == ("khm-battambang", "name")
    assert rows.iloc[0]["focus_area_id"] == "built_infrastructure"


def test_empty_cost_is_missing_not_zero(tmp_path, lookups):
    rows, rejects = read_project_register(
        write_csv(tmp_path, [row(cost="", currency="")]), lookups, TODAY
    )
    assert rejects.empty
    assert rows.iloc[0]["cost"] is None


def test_thousands_separator_in_quoted_cell(tmp_path, lookups):
    rows, rejects = read_project_register(
        write_csv(tmp_path, [row(cost="1,500,000")]), lookups, TODAY
    )
    assert rejects.empty and rows.iloc[0]["cost"] == 1_500_000.0


# ----------------------------------------------------------------------------- whole-file faults
def test_empty_file(tmp_path, lookups):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.csv: file is empty"):
        read_project_register(path, lookups, TODAY)


def test_header_only_gives_no_rows_and_a_warning(tmp_path, lookups):
    path = write_csv(tmp_path, [], name="header_only.csv")
    rows, rejects = read_project_register(path, lookups, TODAY)
    assert rows.empty and rejects.empty
    assert any("no data rows" in w for w in rows.attrs["warnings"])


@pytest.mark.parametrize("delim", [";", "\t"])
def test_semicolon_and_tab_delimiters_are_detected(tmp_path, lookups, delim):
    rows, rejects = read_project_register(
        write_csv(tmp_path, [row(cost="250000.5")], delim=delim), lookups, TODAY
    )
    assert rejects.empty and rows.iloc[0]["cost"] == 250000.5


def test_unsupported_delimiter_is_missing_columns(tmp_path, lookups):
    path = write_csv(tmp_path, [row()], name="pipes.csv", delim="|")
    with pytest.raises(ValueError, match=r"pipes\.csv: missing required column\(s\): project_id"):
        read_project_register(path, lookups, TODAY)


def test_cp1252_file_is_refused_naming_file(tmp_path, lookups):
    path = write_csv(tmp_path, [row(title="Café – EXAMPLE")], name="cp1252.csv", encoding="cp1252")
    with pytest.raises(ValueError, match=r"cp1252\.csv: not valid UTF-8 .*line 2"):
        read_project_register(path, lookups, TODAY)


def test_utf16_file_is_refused(tmp_path, lookups):
    path = write_csv(tmp_path, [row()], name="u16.csv", encoding="utf-16")
    with pytest.raises(ValueError, match=r"u16\.csv: file is UTF-16"):
        read_project_register(path, lookups, TODAY)


def test_utf8_bom_is_accepted(tmp_path, lookups):
    path = write_csv(tmp_path, [row()], name="bom.csv", encoding="utf-8-sig")
    rows, rejects = read_project_register(path, lookups, TODAY)
    assert rejects.empty and rows.iloc[0]["source_project_id"] == "EX-1"


def test_missing_columns_listed(tmp_path, lookups):
    header = [c for c in REGISTER_COLUMNS if c not in ("status", "source")]
    path = write_csv(tmp_path, [row()], name="cols.csv", header=header)
    with pytest.raises(
        ValueError, match=r"cols\.csv: missing required column\(s\): status, source"
    ):
        read_project_register(path, lookups, TODAY)


def test_extra_column_ignored_with_warning(tmp_path, lookups):
    header = [*REGISTER_COLUMNS, "remarks"]
    path = write_csv(tmp_path, [row(remarks="x")], header=header)
    rows, rejects = read_project_register(path, lookups, TODAY)
    assert rejects.empty and len(rows) == 1
    assert any("'remarks'" in w for w in rows.attrs["warnings"])


def test_duplicate_header_rejected(tmp_path, lookups):
    header = [*REGISTER_COLUMNS, "cost"]
    path = write_csv(tmp_path, [row()], name="dup.csv", header=header)
    with pytest.raises(ValueError, match=r"dup\.csv: duplicate column\(s\) cost"):
        read_project_register(path, lookups, TODAY)


def test_unsupported_extension(tmp_path, lookups):
    path = tmp_path / "reg.ods"
    path.write_bytes(b"x")
    with pytest.raises(ValueError, match=r"reg\.ods: unsupported file type"):
        read_project_register(path, lookups, TODAY)


# ----------------------------------------------------------------------------- row faults
@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"cost": "-5"}, "cost", "negative_amount"),
        ({"cost": "NaN"}, "cost", "not_a_number"),
        ({"cost": "inf"}, "cost", "not_a_number"),
        ({"cost": "2e12"}, "cost", "not_a_number"),
        ({"cost": "2000000000000"}, "cost", "amount_too_large"),
        ({"cost": "about 2 million"}, "cost", "not_a_number"),
        ({"currency": "XYZ"}, "currency", "unknown_currency"),
        ({"currency": ""}, "currency", "missing_currency"),
        ({"status": "ongoing"}, "status", "unknown_status"),
        ({"focus_area": "smart_mobility"}, "focus_area", "unknown_focus_area"),
        ({"financier_type": "bank"}, "financier_type", "unknown_financier_type"),
        ({"partner_countries": "JP"}, "partner_countries", "bad_country_code"),
        ({"city": "Atlantis"}, "city", "unknown_city"),
        ({"start_date": "15/01/2021"}, "start_date", "bad_date"),
        ({"start_date": "2021-02-30"}, "start_date", "impossible_date"),
        ({"end_date": "2099-01-01"}, "end_date", "implausible_year"),
        ({"start_date": "1899-01-01"}, "start_date", "implausible_year"),
        ({"start_date": "2024-01-01", "end_date": "2023-01-01"}, "start_date", "start_after_end"),
        ({"title": ""}, "title", "missing_required"),
        ({"source": "  "}, "source", "missing_required"),
    ],
)
def test_row_fault_is_rejected_with_field_and_reason(tmp_path, lookups, overrides, field, reason):
    path = write_csv(tmp_path, [row(project_id="EX-ok"), row(project_id="EX-bad", **overrides)])
    rows, rejects = read_project_register(path, lookups, TODAY)
    assert list(rows["source_project_id"]) == ["EX-ok"]
    rej = one_reject(rejects)
    assert (rej["row_number"], rej["field"], rej["reason"]) == (2, field, reason)
    assert rej["source_uri"] == str(path)


def test_future_pipeline_year_within_horizon_is_kept(tmp_path, lookups):
    path = write_csv(
        tmp_path, [row(status="pipeline", start_date="2027-01-01", end_date="2030-06-30")]
    )
    rows, rejects = read_project_register(path, lookups, TODAY)
    assert rejects.empty and rows.iloc[0]["end_date"] == date(2030, 6, 30)


def test_duplicate_ids_reject_every_copy(tmp_path, lookups):
    path = write_csv(
        tmp_path,
        [
            row(project_id="EX-1"),
            row(project_id="EX-2"),
            row(project_id="EX-1", title="EXAMPLE other"),
        ],
    )
    rows, rejects = read_project_register(path, lookups, TODAY)
    assert list(rows["source_project_id"]) == ["EX-2"]
    assert sorted(rejects["row_number"]) == [1, 3]
    assert set(rejects["field"]) == {"project_id"}
    assert all(r.startswith("duplicate_project_id (rows 1, 3)") for r in rejects["reason"])


def test_too_many_cells(tmp_path, lookups):
    path = tmp_path / "wide.csv"
    good = ",".join(row().values())
    path.write_text(f"{HEADER}\n{good},surplus\n", encoding="utf-8")
    _rows, rejects = read_project_register(path, lookups, TODAY)
    rej = one_reject(rejects)
    assert rej["field"] == "*" and rej["reason"].startswith("too_many_cells")


def test_blank_lines_are_skipped_and_row_numbers_kept(tmp_path, lookups):
    path = tmp_path / "blank.csv"
    good = ",".join(row().values())
    bad = ",".join(row(project_id="EX-9", status="done").values())
    path.write_text(f"{HEADER}\n{good}\n,,,,,,,,,,,,,,\n{bad}\n", encoding="utf-8")
    rows, rejects = read_project_register(path, lookups, TODAY)
    assert len(rows) == 1
    assert one_reject(rejects)["row_number"] == 3


def test_khmer_thai_vietnamese_text_kept_intact(tmp_path, lookups):
    titles = {
        "EX-KH": ("បាត់ដំបង", "គម្រោងលូបង្ហូរទឹក EXAMPLE"),
        "EX-TH": ("เชียงใหม่", "โครงการตัวอย่าง EXAMPLE"),
        "EX-VN": ("Đà Nẵng", "Dự án thoát nước mẫu EXAMPLE"),
    }
    path = write_csv(tmp_path, [row(project_id=k, city=c, title=t) for k, (c, t) in titles.items()])
    rows, rejects = read_project_register(path, lookups, TODAY)
    assert rejects.empty
    got = dict(
        zip(
            rows["source_project_id"], zip(rows["city_id"], rows["title"], strict=True), strict=True
        )
    )
    assert got == {
        "EX-KH": ("khm-battambang", "គម្រោងលូបង្ហូរទឹក EXAMPLE"),
        "EX-TH": ("tha-chiang-mai", "โครงการตัวอย่าง EXAMPLE"),
        "EX-VN": ("vnm-da-nang", "Dự án thoát nước mẫu EXAMPLE"),
    }


# ----------------------------------------------------------------------------- xlsx faults
def test_xlsx_valid_with_typed_cells(tmp_path, lookups):
    from datetime import datetime

    r = row(cost=None, start_date=None, end_date=None)
    path = write_xlsx(
        tmp_path,
        [r],
        mutate=lambda wb: (
            wb["register"].cell(2, 10, 1234.5),
            wb["register"].cell(2, 13, datetime(2022, 3, 1)),
            wb["register"].cell(2, 14, datetime(2024, 2, 29)),
        ),
    )
    rows, rejects = read_project_register(path, lookups, TODAY)
    assert rejects.empty
    assert rows.iloc[0]["cost"] == 1234.5
    assert rows.iloc[0]["start_date"] == date(2022, 3, 1)


def test_xlsx_formula_without_cached_value_rejects_row_naming_cell(tmp_path, lookups):
    # openpyxl writes formulas without a cached result, like a file never opened in Excel
    path = write_xlsx(
        tmp_path,
        [row(project_id="EX-1"), row(project_id="EX-2")],
        mutate=lambda wb: wb["register"].cell(3, 10, "=1000*2"),
    )
    rows, rejects = read_project_register(path, lookups, TODAY)
    assert list(rows["source_project_id"]) == ["EX-1"]
    rej = one_reject(rejects)
    assert (rej["row_number"], rej["field"], rej["value"]) == (2, "cost", "J3")
    assert rej["reason"] == "formula_without_cached_value in cell J3"


def test_xlsx_merged_cells_refused_naming_range(tmp_path, lookups):
    path = write_xlsx(
        tmp_path,
        [row(project_id="EX-1"), row(project_id="EX-2")],
        name="merged.xlsx",
        mutate=lambda wb: wb["register"].merge_cells("B2:B3"),
    )
    with pytest.raises(
        ValueError, match=r"merged\.xlsx: sheet 'register' has merged cells \(B2:B3\)"
    ):
        read_project_register(path, lookups, TODAY)


def test_xlsx_corrupt_workbook(tmp_path, lookups):
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(ValueError, match=r"corrupt\.xlsx: not a readable \.xlsx workbook"):
        read_project_register(path, lookups, TODAY)


def test_xlsx_zip_without_workbook(tmp_path, lookups):
    path = tmp_path / "notbook.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "not a workbook")
    with pytest.raises(ValueError, match=r"notbook\.xlsx: not a readable \.xlsx workbook"):
        read_project_register(path, lookups, TODAY)


def test_xlsx_password_protected_like_ole_container(tmp_path, lookups):
    # encrypted .xlsx files are OLE2 compound documents: same magic bytes as this stub
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    with pytest.raises(ValueError, match=r"locked\.xlsx: workbook is encrypted"):
        read_project_register(path, lookups, TODAY)


def test_xlsx_empty_sheet(tmp_path, lookups):
    path = tmp_path / "blank.xlsx"
    Workbook().save(path)
    with pytest.raises(ValueError, match=r"blank\.xlsx: sheet '.+' is empty"):
        read_project_register(path, lookups, TODAY)


def test_xlsx_template_is_a_valid_empty_register(lookups):
    template = REPO / "data/templates/project_register_template.xlsx"
    rows, rejects = read_project_register(template, lookups, TODAY)
    assert rows.empty and rejects.empty


def test_csv_template_header_matches_columns():
    template = REPO / "data/templates/project_register_template.csv"
    assert template.read_text(encoding="utf-8").strip().split(",") == list(REGISTER_COLUMNS)
