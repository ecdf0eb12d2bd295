"""The GX suite of staging.infrastructure_metrics, run on SYNTHETIC frames without Dagster."""

from __future__ import annotations

import pandas as pd

from checks.infrastructure import infrastructure_suite
from pipelines.framework.expectations import validate_frame


def _frame(boundary_type: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "city_id": ["tst-a", "tst-b"],
            "metric_id": ["hospitals", "hospitals"],
            "value": [3.0, 1.0],
            "unit": ["count", "count"],
            "boundary_type": ["radius_around_centre", boundary_type],
            "source_id": ["osm_extract", "osm_extract"],
            "year": [2026, 2026],
        }
    )


def test_suite_passes_known_boundary_types():
    success, _ = validate_frame(_frame("urban_centre"), "infra_ok", infrastructure_suite())
    assert success


def test_suite_fails_a_boundary_type_outside_the_shared_list():
    success, result = validate_frame(
        _frame("osm_admin_boundary"), "infra_bad", infrastructure_suite()
    )
    failed = [r for r in result["results"] if not r["success"]]
    assert not success
    assert [r["expectation_config"]["type"] for r in failed] == [
        "expect_column_values_to_be_in_set"
    ]
