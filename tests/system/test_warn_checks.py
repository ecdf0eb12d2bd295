"""Non-blocking WARN checks: a green run still says what was quarantined or lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg

from tests.conftest import REPO, run_nightly

SDG = "sources/infrastructure/sdg_11_2_1_public_transport_access_asean_cities.csv"
REGISTER_HEADER = (
    "project_id,city,title,sector,focus_area,financier,financier_type,partner_companies,"
    "partner_countries,cost,currency,status,start_date,end_date,source\n"
)


def _evaluations(result: dg.ExecuteInProcessResult, name: str) -> dict[tuple[str, ...], object]:
    out = {}
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if evaluation.check_name == name:
                out[tuple(evaluation.asset_key.path)] = evaluation
    return out


def _data_copy(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    return data


def test_quarantined_register_rows_warn_and_the_run_stays_green(tmp_path: Path) -> None:
    data = _data_copy(tmp_path)
    (data / "inbox" / "battambang.csv").write_text(
        REGISTER_HEADER
        + "BTB-1,Battambang,Good row,water,built_infrastructure,ADB,multilateral,,,1000,USD,"
        "active,2024-01-01,,city register\n"
        + "BTB-2,Battambang,Bad amount,water,built_infrastructure,ADB,multilateral,,,lots,USD,"
        "active,2024-01-01,,city register\n",
        encoding="utf-8",
    )
    result = run_nightly(tmp_path / "out", ASCN_DATA_DIR=str(data))
    assert result.success
    checks = _evaluations(result, "no_quarantined_rows")
    register = checks[("raw", "project_register")]
    assert not register.passed and register.severity == dg.AssetCheckSeverity.WARN
    assert register.metadata["quarantined_rows"].value == 1
    # Sources without rejects pass the same check.
    assert checks[("raw", "census_population")].passed


def test_lost_coverage_against_the_published_file_warns(tmp_path: Path) -> None:
    data = _data_copy(tmp_path)
    out = tmp_path / "out"
    first = run_nightly(out, ASCN_DATA_DIR=str(data))
    assert first.success
    assert _evaluations(first, "coverage_not_dropped")[("marts", "coverage")].passed
    sdg = data / SDG
    lines = sdg.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if "Bandar Seri Begawan" not in line]
    assert len(kept) == len(lines) - 1
    sdg.write_text("".join(kept), encoding="utf-8")
    second = run_nightly(out, ASCN_DATA_DIR=str(data))
    assert second.success
    coverage = _evaluations(second, "coverage_not_dropped")[("marts", "coverage")]
    assert not coverage.passed and coverage.severity == dg.AssetCheckSeverity.WARN
    lost = coverage.metadata["lost"].value
    assert lost and all(cell.startswith("brn-bandar-seri-begawan:") for cell in lost)
