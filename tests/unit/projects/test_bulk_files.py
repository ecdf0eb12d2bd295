"""The bulk file readers: the World Bank projects-list export (worldbank_export.py) and the
AidData GCDF 3.0 location files (aiddata.py). Every file here is SYNTHETIC, written by the test
in the real files' column layout (the v2 reference copies' headers); ids P9xxxxx / 9xxxx.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from assets.projects import aiddata
from assets.projects.worldbank_export import export_files, read_export

PROJECTS = (
    "id,regionname,countryshortname,status,last_stage_reached_name,project_name,pdo,impagency,"
    "public_disclosure_date,boardapprovaldate,loan_effective_date,closingdate,curr_project_cost,"
    "curr_ibrd_commitment,idacommamt,grantamt,curr_total_commitment,borrower,lendinginstr,"
    "envassesmentcategorycode,esrc_ovrl_risk_rate,supplementprojectflg,cons_serv_reqd_ind,"
    "projectfinancialtype\n"
)
GEO = (
    "project_id,geo_loc_id,place_id,wbg_country_key,geo_loc_name,geo_latitude_number,"
    "geo_longitude_number,admin_unit1_name,admin_unit2_name\n"
)
SECTORS = "project_id,major_sector,sector,sector_percent\n"
FINANCIERS = (
    "project_id,name,current_amount,amount_usd,financer_id,currency,project_financial_type\n"
)


def project_line(pid: str, status: str = "Active", commitment: str = "55000000") -> str:
    return (
        f"{pid},East Asia and Pacific,Cambodia,{status},BANK APPROVED,SYNTHETIC {pid},"
        f'"a two-line\nobjective",SYNTHETIC agency,,2019-03-28T00:00:00Z,,2025-12-31,57500000,,'
        f",,{commitment},,Investment Project Financing,,,,,\n"
    )


def export(tmp_path: Path, name: str = "wb_projects_asof2025-03-31.csv", **files: str) -> Path:
    (tmp_path / name).write_text(
        PROJECTS + project_line("P900201") + project_line("P900202", commitment="lots"),
        encoding="utf-8",
    )
    (tmp_path / "a.csv").write_text(
        GEO + "P900201,1831797,PLA1,KH,SYNTHETIC town,13.10271,103.19822,,\n"
        "P900201,9,PLA9,KH,SYNTHETIC bad,130.1,103.2,,\n",
        encoding="utf-8",
    )
    (tmp_path / "b.csv").write_text(
        SECTORS + "P900201,Water,FY17 - Sanitation,41\nP900201,Water,FY17 - Water Supply,49\n",
        encoding="utf-8",
    )
    (tmp_path / "c.csv").write_text(
        FINANCIERS + "P900201,IDA Credit,39600000,55000000,IDA,USD,World Bank Group\n",
        encoding="utf-8",
    )
    for fname, text in files.items():
        (tmp_path / fname).write_text(text, encoding="utf-8")
    return tmp_path


def test_export_files_are_told_apart_by_header(tmp_path):
    kinds = export_files(export(tmp_path))
    assert {k: p.name for k, p in kinds.items()} == {
        "projects": "wb_projects_asof2025-03-31.csv",
        "locations": "a.csv",
        "sectors": "b.csv",
        "financiers": "c.csv",
    }


def test_export_rows_as_of_its_date_and_bad_cells_quarantined(tmp_path):
    rows, rejects = read_export(export(tmp_path), None, {"cambodia": "KH"})
    assert list(rows["project_id"]) == ["P900201"]  # P900202 quarantined
    r = rows.iloc[0]
    assert r["status_as_of"] == dt.date(2025, 3, 31)
    assert r["country_codes"] == ["KH"] and r["total_commitment_usd"] == 55_000_000.0
    assert r["closing_date"] == dt.date(2025, 12, 31)
    # sectors largest share first; the out-of-range location is quarantined, the good one kept
    assert [s["name"] for s in r["sectors"]] == ["FY17 - Water Supply", "FY17 - Sanitation"]
    assert [loc["geo_loc_id"] for loc in r["locations"]] == ["1831797"]
    assert r["financiers"][0]["amount_usd"] == 55_000_000.0
    assert r["financiers"][0]["amount"] == 39_600_000.0
    reasons = sorted(zip(rejects["source_uri"].map(lambda u: Path(u).name), rejects["row_number"],
                         rejects["field"], strict=True))  # fmt: skip
    assert reasons == [("a.csv", 2, "geo_latitude_number"),
                       ("wb_projects_asof2025-03-31.csv", 2, "curr_total_commitment")]  # fmt: skip


def test_export_as_of_setting_and_refusal_without_a_date(tmp_path):
    folder = export(tmp_path, name="projects.csv")
    with pytest.raises(ValueError, match="projects.csv: cannot tell the export's as-of date"):
        read_export(folder, None, {})
    rows, _ = read_export(folder, "2025-04-30", {})
    assert set(rows["status_as_of"]) == {dt.date(2025, 4, 30)}


def test_export_with_two_projects_files_is_refused(tmp_path):
    folder = export(tmp_path, **{"second.csv": PROJECTS + project_line("P900203")})
    with pytest.raises(ValueError, match="more than one export file of a kind"):
        export_files(folder)


AIDDATA_HEADER = (
    "id,shapeID,shapeGroup,shapeName,intersection_ratio,even_split_ratio,"
    "intersection_ratio_commitment_value,even_split_ratio_commitment_value,"
    "centroid_longitude,centroid_latitude\n"
)


def test_aiddata_rows_with_licence_vintage_and_level(tmp_path):
    (tmp_path / "GCDF_3.0_ADM1_Locations.csv").write_text(
        AIDDATA_HEADER
        + "90001,SYNTH1,KHM,Battambang,0.39,0.2,15654372.37,8037821.37,103.09923,12.98245\n"
        "90002,SYNTH1,KHM,Battambang,0.73,0.5,,,103.09923,12.98245\n"
        "90003,SYNTH1,KHM,Battambang,1.7,0.5,1,1,103.09923,12.98245\n",
        encoding="utf-8",
    )
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")  # not a GCDF file
    paths = aiddata.location_files(tmp_path)
    assert [p.name for p in paths] == ["GCDF_3.0_ADM1_Locations.csv"]
    rows, rejects = aiddata.read_locations(paths)
    assert list(rows["aiddata_project_id"]) == ["90001", "90002"]
    first, second = rows.iloc[0], rows.iloc[1]
    assert first["adm_level"] == 1 and first["intersection_value_usd2021"] == 15654372.37
    assert first["price_basis"] == "constant 2021 US$" and "ODC-By 1.0" in first["licence"]
    assert "GCDF 3.0" in first["vintage"]
    assert first["project_url"] == "https://china.aiddata.org/projects/90001"
    assert math.isnan(second["intersection_value_usd2021"])  # no amount: missing, not zero
    assert list(zip(rejects["row_number"], rejects["field"], rejects["reason"], strict=True)) == [
        (3, "intersection_ratio", "ratio_outside_0_1")
    ]


def test_aiddata_file_without_a_level_in_its_name_is_refused(tmp_path):
    path = tmp_path / "gcdf_locations.csv"
    path.write_text(AIDDATA_HEADER, encoding="utf-8")
    with pytest.raises(ValueError, match="cannot tell ADM1 from ADM2"):
        aiddata.read_locations([path])


def test_aiddata_folder_without_files_is_refused(tmp_path):
    with pytest.raises(ValueError, match="no AidData GCDF 3.0 location file"):
        aiddata.location_files(tmp_path)
