"""The code location: graph shape, job, schedule and sensors (a rewiring shows up here)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
from croniter import croniter

from checks import indicators, infrastructure, operations, population, projects, reference
from pipelines.definitions import defs

CHECK_MODULES = [indicators, infrastructure, operations, population, projects, reference]

EXPECTED_ASSETS = {
    "raw/cities": "raw",
    "raw/focus_areas": "raw",
    "raw/boundary_types": "raw",
    "raw/census_population": "raw",
    "raw/wup2018_population": "raw",
    "raw/ghsl_urban_centres": "raw",
    "raw/worldbank_indicators": "raw",
    "raw/osm_metrics": "raw",
    "raw/ghsl_street_network": "raw",
    "raw/health_facilities": "raw",
    "raw/sdg_11_2_1": "raw",
    "raw/worldbank_projects": "raw",
    "raw/iati_activities": "raw",
    "raw/project_register": "raw",
    "raw/aiddata_gcdf_locations": "raw",
    "staging/reference": "staging",
    "staging/population": "staging",
    "staging/infrastructure": "staging",
    "staging/projects": "staging",
    "staging/aiddata_locations": "staging",
    "staging/indicator_catalogue": "staging",
    "staging/measures": "staging",
    "marts/city_units": "marts",
    "marts/city_peer_groups": "marts",
    "marts/indicator_values": "marts",
    "marts/coverage": "marts",
    "marts/focus_area_scores": "marts",
    "marts/indicator_catalogue": "marts",
    "marts/city_profile": "marts",
    "marts/v_city_vs_peers": "marts",
    "marts/projects": "marts",
    "marts/project_portfolio": "marts",
    "marts/donor_coordination": "marts",
    "marts/focus_area_funding_gaps": "marts",
    "marts/business_matches": "marts",
    "marts/project_places": "marts",
    "marts/opportunities": "marts",
    "marts/company_registers": "marts",
    "publish/warehouse": "publish",
}


def test_asset_graph_keys_and_groups():
    graph = defs.resolve_asset_graph()
    found = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert found == EXPECTED_ASSETS


def test_publish_is_downstream_of_every_source():
    graph = defs.resolve_asset_graph()
    publish = dg.AssetKey(["publish", "warehouse"])
    upstream = graph.get(publish).parent_keys
    seen, todo = set(), list(upstream)
    while todo:
        key = todo.pop()
        if key not in seen:
            seen.add(key)
            todo.extend(graph.get(key).parent_keys)
    raw = {dg.AssetKey(k.split("/")) for k in EXPECTED_ASSETS if k.startswith("raw/")}
    assert raw <= seen


def test_every_ingested_table_has_blocking_checks():
    checks = list(defs.resolve_asset_graph().asset_check_keys)
    guarded = {c.asset_key.to_user_string() for c in checks}
    assert {
        "staging/reference",
        "staging/population",
        "staging/infrastructure",
        "staging/projects",
        "marts/indicator_values",
        "marts/coverage",
        "marts/focus_area_scores",
    } <= guarded
    specs = [spec for check_def in defs.asset_checks or [] for spec in check_def.check_specs]
    # Data-quality checks block; only the warnings a check module declares (WARNINGS) do not.
    warnings = {spec.name for spec in specs if not spec.blocking}
    declared = set().union(*(getattr(m, "WARNINGS", set()) for m in CHECK_MODULES))
    assert specs and warnings <= declared


def test_nightly_job_runs_in_one_process():
    job = defs.resolve_job_def("nightly")
    assert job.executor_def.name == "in_process"


def test_schedule_fires_at_two_in_phnom_penh_and_runs_by_default():
    schedule = defs.resolve_schedule_def("nightly_refresh")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Phnom_Penh"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    tz = ZoneInfo("Asia/Phnom_Penh")
    nxt = croniter(schedule.cron_schedule, datetime(2026, 11, 27, 12, 0, tzinfo=tz)).get_next(
        datetime
    )
    assert nxt == datetime(2026, 11, 28, 2, 0, tzinfo=tz)


def test_published_asset_has_a_freshness_policy():
    spec = defs.resolve_assets_def(dg.AssetKey(["publish", "warehouse"])).specs_by_key
    policy = next(iter(spec.values())).freshness_policy
    assert policy is not None


def test_sensors_present():
    names = {s.name for s in defs.sensors or []}
    assert {"project_register_inbox", "dead_run_sweeper", "failure_webhook"} <= names
