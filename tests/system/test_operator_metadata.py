"""What an operator sees in the UI: standard metadata, kept on a quiet night."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from tests.conftest import run_nightly

STAGING = dg.AssetKey(["staging", "measures"])
RAW = dg.AssetKey(["raw", "census_population"])
PUBLISHED = dg.AssetKey(["publish", "warehouse"])


def _metadata(result: dg.ExecuteInProcessResult, key: dg.AssetKey) -> dict:
    events = [e for e in result.get_asset_materialization_events() if e.asset_key == key]
    assert len(events) == 1, key
    return dict(events[0].event_specific_data.materialization.metadata)


def test_second_quiet_run_reports_the_metadata_recorded_when_built(tmp_path: Path) -> None:
    first = run_nightly(tmp_path)
    assert first.success
    second = run_nightly(tmp_path)
    assert second.success
    for key in (STAGING, RAW):
        built, quiet = _metadata(first, key), _metadata(second, key)
        assert built["unchanged"].value is False and quiet["unchanged"].value is True
        assert quiet["built_in_run"].value == first.run_id
        # Row count, schema and preview survive the night that changed nothing.
        assert quiet["dagster/row_count"].value == built["dagster/row_count"].value > 0
        assert quiet["dagster/column_schema"] == built["dagster/column_schema"]
        assert quiet["preview"] == built["preview"]
    census = _metadata(first, RAW)
    assert census["dagster/row_count"].value == 59  # rows of data/sources/population/census...
    columns = census["dagster/column_schema"].value.columns
    assert any(c.name == "_source_uri" for c in columns)


def test_column_schema_carries_the_comment_on_descriptions(tmp_path: Path) -> None:
    result = run_nightly(tmp_path)
    assert result.success
    meta = _metadata(result, dg.AssetKey(["marts", "indicator_values"]))
    columns = {c.name: c for c in meta["dagster/column_schema"].value.columns}
    assert columns["city_id"].description  # from COMMENT ON COLUMN in the mart's SQL file
    published = _metadata(result, PUBLISHED)
    assert published["dagster/uri"].value == (tmp_path / "ascn.duckdb").as_uri()
    assert published["report"].value.startswith("file://")
