"""Run-failure alerts: `failure_webhook` posts the failed run to ASCN_FAILURE_WEBHOOK_URL, fails
the sensor tick on an error status and does nothing without a URL. See docs/FAULTS.md (d).
"""

from __future__ import annotations

import dagster as dg
import pytest

from pipelines.sensors import failure_webhook


@dg.op
def _explodes() -> None:
    raise RuntimeError("disk full")


@dg.job
def _failing_job() -> None:
    _explodes()


def _failure_context() -> tuple[dg.RunFailureSensorContext, str, dg.DagsterInstance]:
    instance = dg.DagsterInstance.ephemeral()
    result = _failing_job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    context = dg.build_run_status_sensor_context(
        sensor_name="failure_webhook",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
    ).for_run_failure()
    return context, result.run_id, instance


def test_failure_webhook_posts_the_run_id(httpserver, monkeypatch: pytest.MonkeyPatch) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    monkeypatch.setenv("ASCN_FAILURE_WEBHOOK_URL", httpserver.url_for("/hook"))
    context, run_id, instance = _failure_context()
    with instance:
        failure_webhook(context)
    assert len(httpserver.log) == 1
    body = httpserver.log[0][0].get_json()
    assert body["run_id"] == run_id
    assert body["job"] == "_failing_job"
    assert run_id in body["text"]


def test_failure_webhook_error_status_is_raised(httpserver, monkeypatch) -> None:
    """A webhook that answers 500 makes the sensor tick fail (visible in the UI), not silent."""
    httpserver.expect_request("/hook", method="POST").respond_with_data("down", status=500)
    monkeypatch.setenv("ASCN_FAILURE_WEBHOOK_URL", httpserver.url_for("/hook"))
    context, _, instance = _failure_context()
    with instance, pytest.raises(Exception, match="500"):
        failure_webhook(context)


def test_failure_webhook_does_nothing_without_url(httpserver, monkeypatch) -> None:
    monkeypatch.delenv("ASCN_FAILURE_WEBHOOK_URL", raising=False)
    context, _, instance = _failure_context()
    with instance:
        assert failure_webhook(context) is None
    assert httpserver.log == []
