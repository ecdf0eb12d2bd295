"""The warm SQLite storage of dagster_home/dagster.yaml keeps the same run history as Dagster's
default storage: what `make run` records, `make dev` (and a default instance) reads."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from pipelines.framework.instance_storage import WARM_ENGINES, WarmSqliteEventLogStorage

REPO = Path(__file__).resolve().parents[3]


@dg.asset
def numbers() -> list[int]:
    return [1, 2, 3]


@dg.asset_check(asset=numbers, blocking=True)
def numbers_positive(numbers: list[int]) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=all(n > 0 for n in numbers))


def _run_in(home: Path, monkeypatch: pytest.MonkeyPatch, times: int) -> list[str]:
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, WarmSqliteEventLogStorage)
        runs = []
        for _ in range(times):
            result = dg.materialize([numbers, numbers_positive], instance=instance)
            assert result.success
            runs.append(result.run_id)
        engines = instance.event_log_storage._engines  # noqa: SLF001
        assert 0 < len(engines) <= WARM_ENGINES
    return runs


def test_history_written_warm_reads_back_with_the_default_storage(tmp_path, monkeypatch):
    warm = tmp_path / "warm"
    warm.mkdir()
    shutil.copy(REPO / "dagster_home" / "dagster.yaml", warm / "dagster.yaml")
    run_ids = _run_in(warm, monkeypatch, times=WARM_ENGINES + 2)  # more files than engines kept

    plain = tmp_path / "plain"
    shutil.copytree(warm, plain)
    (plain / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(plain))
    with dg.DagsterInstance.get() as instance:
        assert not isinstance(instance.event_log_storage, WarmSqliteEventLogStorage)
        runs = instance.get_runs()
        assert sorted(r.run_id for r in runs) == sorted(run_ids)
        assert {r.status for r in runs} == {dg.DagsterRunStatus.SUCCESS}
        for run_id in run_ids:
            types = {e.dagster_event_type for e in instance.all_logs(run_id) if e.is_dagster_event}
            assert {
                dg.DagsterEventType.RUN_SUCCESS,
                dg.DagsterEventType.ASSET_MATERIALIZATION,
                dg.DagsterEventType.ASSET_CHECK_EVALUATION,
            } <= types
        latest = instance.get_latest_materialization_event(dg.AssetKey("numbers"))
        assert latest is not None and latest.run_id == run_ids[-1]
        check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [dg.AssetCheckKey(dg.AssetKey("numbers"), "numbers_positive")]
        )
        assert len(check) == 1
