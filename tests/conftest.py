"""Shared fixtures. Every test gets its own warehouse folder and Dagster instance; no network."""

import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from pytest_httpserver import HTTPServer

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")

REPO = Path(__file__).resolve().parent.parent


def run_nightly(output_dir: Path, **env: str) -> dg.ExecuteInProcessResult:
    """Run the real nightly job in this process against `output_dir` (offline by default)."""
    from pipelines.definitions import defs

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASCN_OUTPUT_DIR", str(output_dir))
        mp.setenv("ASCN_MODE", env.pop("ASCN_MODE", "offline"))
        for key, value in env.items():
            mp.setenv(key, value)
        with dg.DagsterInstance.ephemeral() as instance:
            return defs.resolve_job_def("nightly").execute_in_process(
                instance=instance, raise_on_error=False
            )


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One full offline run of the pipeline for the whole session; returns the warehouse dir."""
    output_dir = tmp_path_factory.mktemp("warehouse")
    result = run_nightly(output_dir)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return output_dir


@pytest.fixture
def analyst(published: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only analyst connection on the published file."""
    con = duckdb.connect(str(published / "ascn.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture
def own_server() -> Iterator[HTTPServer]:
    """A private server for slow handlers, so their late answers cannot disturb other tests."""
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()
