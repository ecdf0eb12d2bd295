"""Every data-quality check passes on the real build and fails on a deliberately bad row."""

import shutil

import dagster as dg
import duckdb
import pytest

from checks import indicators, infrastructure, population, projects, reference
from pipelines.resources import WarehouseResource

CASES = [
    (reference.registry_unique, "insert into staging.cities select * from staging.cities limit 1"),
    (
        population.population_known_cities,
        "insert into staging.population_figures select * replace ('xxx-atlantis' as city_id) "
        "from staging.population_figures limit 1",
    ),
    (
        population.population_ranges,
        "update staging.population_figures set population = 999999999 "
        "where city_id = 'khm-battambang'",
    ),
    (
        population.country_ranges,
        "insert into staging.country_indicators select * replace ('USA' as country_iso3) "
        "from staging.country_indicators limit 1",
    ),
    (
        infrastructure.infrastructure_known,
        "update staging.infrastructure_metrics set value = -1 "
        "where metric_id = 'street_length_total' and city_id = 'khm-battambang'",
    ),
    (
        infrastructure.infrastructure_ranges,
        "update staging.infrastructure_metrics set year = 1800 where city_id = 'khm-battambang'",
    ),
    (
        projects.projects_valid,
        "update staging.projects set status = 'abandoned' where source_project_id = 'P123384'",
    ),
    (
        projects.projects_valid,
        "insert into staging.projects select * from staging.projects limit 1",
    ),
    (
        indicators.indicator_values_unique,
        "insert into marts.indicator_values select * from marts.indicator_values limit 1",
    ),
    (
        indicators.indicator_values_unique,
        "update marts.indicator_values set indicator_id = 'no_such_indicator' "
        "where city_id = 'khm-battambang' and indicator_id = 'population'",
    ),
    (
        indicators.coverage_complete,
        "delete from marts.coverage where city_id = 'khm-battambang'",
    ),
    (
        indicators.focus_area_scores_gated,
        "update marts.focus_area_scores set not_scored_reason = 'too few' where score is not null",
    ),
    (
        indicators.indicator_values_ranges,
        "update marts.indicator_values set score = 150 where city_id = 'khm-battambang' "
        "and score is not null",
    ),
    # The comparability rules (issue 12): each on one deliberately bad row.
    (
        indicators.indicator_values_comparable,
        "update marts.indicator_values set unit_type = 'city' "
        "where city_id = 'khm-battambang' and indicator_id = 'pm25_concentration'",
    ),
    (
        indicators.indicator_values_comparable,
        "update marts.indicator_values set rank_set_size = 4 "
        "where city_id = 'khm-battambang' and indicator_id = 'pm25_concentration'",
    ),
    (
        indicators.indicator_values_comparable,
        "update marts.indicator_values set rank_label = '25/31' "
        "where city_id = 'khm-battambang' and indicator_id = 'national_electricity_access_pct'",
    ),
    (
        indicators.indicator_values_comparable,
        "update marts.indicator_values set denominator_unit_id = 'ghsl_ucdb2015:11165' "
        "where city_id = 'khm-battambang' and indicator_id = 'population_density'",
    ),
    (
        indicators.indicator_values_comparable,
        "update marts.indicator_values set score = 50 "
        "where city_id = 'khm-battambang' and indicator_id = 'land_use_efficiency'",
    ),
    (
        indicators.focus_area_scores_gated,
        "update marts.focus_area_scores set rank_set_size = 4 where rank_position is not null",
    ),
]


@pytest.fixture(autouse=True)
def _evaluate_every_check(monkeypatch: pytest.MonkeyPatch) -> None:
    # The copied build records that its assets were checked already; these tests change rows
    # behind the pipeline's back, so the checks must evaluate instead of replaying.
    monkeypatch.setenv("ASCN_FORCE_REBUILD", "1")


def _warehouse(published, tmp_path, bad_sql: str | None) -> WarehouseResource:
    (tmp_path / "build").mkdir()
    target = tmp_path / "build" / "ascn_build.duckdb"
    shutil.copy(published / "build" / "ascn_build.duckdb", target)
    if bad_sql:
        con = duckdb.connect(str(target))
        con.execute(bad_sql)
        con.close()
    return WarehouseResource(output_dir=str(tmp_path))


@pytest.mark.parametrize(("check", "bad_sql"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_check_passes_on_good_data(check, bad_sql, published, tmp_path):
    result = check(
        context=dg.build_asset_check_context(), warehouse=_warehouse(published, tmp_path, None)
    )
    assert result.passed, result.metadata


@pytest.mark.parametrize(("check", "bad_sql"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_check_fails_on_a_bad_row(check, bad_sql, published, tmp_path):
    result = check(
        context=dg.build_asset_check_context(), warehouse=_warehouse(published, tmp_path, bad_sql)
    )
    assert not result.passed


def test_failing_check_stops_downstream_and_keeps_the_published_file(published, tmp_path):
    import hashlib

    from pipelines.settings import REPO_ROOT
    from tests.conftest import run_nightly

    warehouse = tmp_path / "warehouse"
    shutil.copytree(published, warehouse)
    before = hashlib.sha256((warehouse / "ascn.duckdb").read_bytes()).hexdigest()
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    census = data / "sources" / "population" / "census_city_figures.csv"
    text = census.read_text(encoding="utf-8")
    census.write_text(text.replace(",119251,", ",999999999,"), encoding="utf-8")

    result = run_nightly(warehouse, ASCN_DATA_DIR=str(data))

    assert not result.success
    failed = {e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"}
    assert any("population_figures_plausible" in key for key in failed)
    skipped = {e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED"}
    materialized = {
        e.asset_key.to_user_string() for e in result.all_events if e.is_step_materialization
    }
    assert "publish/warehouse" not in materialized and "marts/indicator_values" not in materialized
    assert skipped or failed
    after = hashlib.sha256((warehouse / "ascn.duckdb").read_bytes()).hexdigest()
    assert after == before
