"""Unchanged inputs are not re-processed: each asset is rebuilt only when its inputs changed.

Real nightly runs, in this process, on a copy of the bundled data (pipelines/framework/versions.py).
"""

import hashlib
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import defs
from pipelines.settings import REPO_ROOT
from tests.conftest import run_nightly


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def materializations(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    """asset key -> whether the run reported it `unchanged`."""
    return {
        e.asset_key.to_user_string(): e.materialization.metadata["unchanged"].value
        for e in result.all_events
        if e.is_step_materialization
    }


def check_outcomes(result: dg.ExecuteInProcessResult) -> dict[str, tuple[bool, bool]]:
    """blocking check name -> (passed, replayed from an earlier run). Non-blocking warnings read
    the current quarantine and publication, so they are evaluated every run."""
    out = {}
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.blocking:
                continue
            out[evaluation.check_name] = (
                evaluation.passed,
                "replayed_from_run" in evaluation.metadata,
            )
    return out


def source_loads(warehouse: Path) -> int:
    con = duckdb.connect(str(warehouse / "ascn.duckdb"), read_only=True)
    try:
        return con.execute("select count(*) from meta.source_loads").fetchall()[0][0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dg.ExecuteInProcessResult]:
    """A full run on a private copy of the bundled data: (warehouse, data, result)."""
    root = tmp_path_factory.mktemp("incremental")
    data = root / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    warehouse = root / "warehouse"
    result = run_nightly(warehouse, ASCN_DATA_DIR=str(data))
    assert result.success
    return warehouse, data, result


def test_first_run_builds_everything_and_evaluates_every_check(first) -> None:
    _, _, result = first
    built = materializations(result)
    assert len(built) == len(defs.resolve_asset_graph().get_all_asset_keys())
    assert not any(built.values()), built
    assert check_outcomes(result) and all(
        passed and not replayed for passed, replayed in check_outcomes(result).values()
    )


def test_rerun_on_unchanged_inputs_rebuilds_nothing_and_keeps_the_publication(first) -> None:
    warehouse, data, _ = first
    published_sha, loads = sha256(warehouse / "ascn.duckdb"), source_loads(warehouse)
    report = (warehouse / "reports" / "index.html").stat().st_mtime_ns

    result = run_nightly(warehouse, ASCN_DATA_DIR=str(data))

    assert result.success
    unchanged = materializations(result)
    assert unchanged and all(unchanged.values()), unchanged
    # Same data versions as the run that built them.
    outcomes = check_outcomes(result)
    assert outcomes and all(passed and replayed for passed, replayed in outcomes.values())
    assert sha256(warehouse / "ascn.duckdb") == published_sha
    assert source_loads(warehouse) == loads
    assert (warehouse / "reports" / "index.html").stat().st_mtime_ns == report


def test_a_changed_file_rebuilds_exactly_its_downstream_assets(first) -> None:
    warehouse, data, _ = first
    catalogue = data / "catalogue" / "indicators.csv"
    original = catalogue.read_text(encoding="utf-8")
    edited = original.replace("Residents of the registry's", "People living in the registry's", 1)
    assert edited != original
    catalogue.write_text(edited, encoding="utf-8")
    before = sha256(warehouse / "ascn.duckdb")
    try:
        result = run_nightly(warehouse, ASCN_DATA_DIR=str(data))
    finally:
        catalogue.write_text(original, encoding="utf-8")

    assert result.success
    changed = dg.AssetKey(["staging", "indicator_catalogue"])
    expected = {
        k.to_user_string()
        for k in dg.AssetSelection.assets(changed).downstream().resolve(defs.resolve_asset_graph())
    }
    rebuilt = {key for key, unchanged in materializations(result).items() if not unchanged}
    assert rebuilt == expected, rebuilt ^ expected
    assert sha256(warehouse / "ascn.duckdb") != before


def test_force_rebuild_rebuilds_and_rechecks_everything(first) -> None:
    warehouse, data, _ = first
    loads = source_loads(warehouse)

    result = run_nightly(warehouse, ASCN_DATA_DIR=str(data), ASCN_FORCE_REBUILD="1")

    assert result.success
    assert not any(materializations(result).values())
    assert not any(replayed for _, replayed in check_outcomes(result).values())
    assert source_loads(warehouse) > loads  # every source landed again


def test_failed_check_outcome_is_replayed_and_keeps_blocking(first, tmp_path: Path) -> None:
    source_warehouse, source_data, _ = first
    warehouse, data = tmp_path / "warehouse", tmp_path / "data"
    shutil.copytree(source_warehouse, warehouse)
    shutil.copytree(source_data, data)
    published = sha256(warehouse / "ascn.duckdb")
    census = data / "sources" / "population" / "census_city_figures.csv"
    original = census.read_text(encoding="utf-8")
    census.write_text(original.replace(",119251,", ",999999999,"), encoding="utf-8")

    runs = [run_nightly(warehouse, ASCN_DATA_DIR=str(data)) for _ in range(2)]

    for n, result in enumerate(runs):
        assert not result.success
        passed, replayed = check_outcomes(result)["population_figures_plausible"]
        assert not passed and replayed == (n == 1)
        assert "publish/warehouse" not in materializations(result)
    assert sha256(warehouse / "ascn.duckdb") == published

    census.write_text(original, encoding="utf-8")
    fixed = run_nightly(warehouse, ASCN_DATA_DIR=str(data))
    assert fixed.success
    # Rebuilt from the restored file in this run, so evaluated again (not replayed).
    assert check_outcomes(fixed)["population_figures_plausible"] == (True, False)


def test_code_version_covers_exactly_the_tracked_code_and_no_run_output() -> None:
    """Run outputs under warehouse/ (report pages, Parquet) must not change the code version,
    and every tracked code, SQL or template file must."""
    import subprocess

    from pipelines.framework.versions import code_files

    tracked = subprocess.run(
        ["git", "ls-files", "assets", "checks", "pipelines", "warehouse"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    code = {Path(p) for p in tracked if Path(p).suffix in {".py", ".sql", ".html"}}
    assert set(code_files()) == code
