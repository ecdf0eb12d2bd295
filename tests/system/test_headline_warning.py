"""A change of a headline population between two runs is a WARN check with old and new values
(checks/indicators.py headline_changed); the run still succeeds and publishes. The unconfirmed
pilot unit of the registry (Chonburi) is a standing warning (pilot_units_confirmed)."""

import shutil
from pathlib import Path

import dagster as dg

from pipelines.settings import REPO_ROOT
from tests.conftest import run_nightly

CENSUS = Path("sources/population/census_city_figures.csv")


def evaluation(result: dg.ExecuteInProcessResult, name: str) -> dg.AssetCheckEvaluation:
    found = [e for e in result.get_asset_check_evaluations() if e.check_name == name]
    assert len(found) == 1, name
    return found[0]


def test_changed_headline_warns_with_old_and_new_values(published: Path, tmp_path: Path) -> None:
    # The build file of the session's first run holds the headlines of that build.
    out = tmp_path / "out"
    shutil.copytree(published, out)
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    # The census office revises Battambang municipality's 2019 figure: 119,251 -> 119,300.
    text = (data / CENSUS).read_text(encoding="utf-8")
    old = "khm-battambang,2019,119251,293,municipality"
    assert text.count(old) == 1
    (data / CENSUS).write_text(
        text.replace(old, "khm-battambang,2019,119300,293,municipality"), encoding="utf-8"
    )
    result = run_nightly(out, ASCN_DATA_DIR=str(data))
    assert result.success  # a warning never blocks publication
    changed = evaluation(result, "headline_changed")
    assert not changed.passed and changed.severity == dg.AssetCheckSeverity.WARN
    assert changed.metadata["changed_cities"].value == 1
    table = changed.metadata["changes"].value
    assert "| khm-battambang | 119251.0 | 119300.0 | 2019 | 2019 |" in table
    unconfirmed = evaluation(result, "pilot_units_confirmed")
    assert not unconfirmed.passed and unconfirmed.severity == dg.AssetCheckSeverity.WARN
    assert "tha-chonburi" in unconfirmed.metadata["detail"].value


def test_unchanged_headlines_pass(published: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(published, out)
    result = run_nightly(out, ASCN_FORCE_REBUILD="1")  # rebuilt, same figures
    assert result.success
    same = evaluation(result, "headline_changed")
    assert same.passed and same.metadata["changed_cities"].value == 0
