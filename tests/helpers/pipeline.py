"""Running the real nightly job against a replay server, and reading what it published.

`run_nightly(mp, env)` runs the production job (`pipelines.definitions`, the same assets as
offline) in this process with `env` as its only `ASCN_*` settings; `live_env(base, replay)`
builds such an environment with every base URL pointed at the replay server, a private output
folder and Dagster home under `base`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.helpers.replay import ReplayServer

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
INSTANCE_YAML = REPO / "dagster_home" / "dagster.yaml"

# Step retries off: the assets' RetryPolicy would wait 30 s + 90 s before a failing source fails
# the run. Per-request retries (the HTTP client's) stay on.
NO_RETRIES = {"execution": {"config": {"retries": {"disabled": {}}}}}

# Path prefixes of each API on the replay server (see `live_env`).
WB_PREFIX = "/wb/v2"
WBP_PATH = "/wbp/api/v2/projects"
IATI_PREFIX = "/iati"
OVERPASS_PATH = "/overpass/api/interpreter"


def live_env(base: Path, replay: ReplayServer, **extra: str) -> dict[str, str]:
    """Settings of a live run against `replay`: every base URL on it, outputs under `base`."""
    env = {
        "ASCN_MODE": "live",
        "ASCN_OUTPUT_DIR": str(base / "warehouse"),
        "DAGSTER_HOME": str(base / "dagster_home"),
        "ASCN_WORLDBANK_API_URL": replay.url(WB_PREFIX),
        "ASCN_WORLDBANK_PROJECTS_API_URL": replay.url(WBP_PATH),
        "ASCN_IATI_API_URL": replay.url(IATI_PREFIX),
        "ASCN_OVERPASS_URL": replay.url(OVERPASS_PATH),
        "ASCN_HTTP_MAX_RETRIES": "1",
        "ASCN_HTTP_TIMEOUT_S": "10",
        "ASCN_CONTACT": "ascn-tests@example.org",
    }
    env.update(extra)
    return env


def nightly_job() -> dg.JobDefinition:
    """The nightly job of the code location (module level, for `dg.reconstructable`)."""
    from pipelines.definitions import defs

    return defs.resolve_job_def("nightly")


def run_nightly(mp: pytest.MonkeyPatch, env: dict[str, str]) -> dg.ExecuteJobResult:
    """Run the nightly job in this process (its in-process executor) with `env` as settings.

    `execute_job` rather than `execute_in_process`: the latter always enables step retries. Every
    `ASCN_*` variable of the calling environment is removed first, so only `env` counts.
    """
    for key in [k for k in os.environ if k.startswith("ASCN_")]:
        mp.delenv(key)
    mp.delenv("IATI_API_KEY", raising=False)
    mp.setenv("GX_ANALYTICS_ENABLED", "False")
    mp.setenv("DAGSTER_DISABLE_TELEMETRY", "1")
    for key, value in env.items():
        mp.setenv(key, value)
    home = Path(env["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():  # the instance settings of `make run` (storage)
        shutil.copy(INSTANCE_YAML, home / "dagster.yaml")
    with dg.DagsterInstance.get() as instance:  # run history under this test's DAGSTER_HOME
        return dg.execute_job(
            dg.reconstructable(nightly_job), instance=instance, run_config=NO_RETRIES
        )


def failure_text(result: dg.ExecuteJobResult) -> str:
    """Every step failure of a run, causes included, one line each."""
    parts = []
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        while error is not None:
            parts.append(f"{event.step_key}: {error.message}")
            error = error.cause
    return "\n".join(parts)


def materialization(result: dg.ExecuteJobResult, *key: str) -> dict[str, object] | None:
    """Metadata values of the last materialization of asset `key` in the run (None if none)."""
    events = [
        e for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(list(key))
    ]  # fmt: skip
    if not events:
        return None
    meta = events[-1].step_materialization_data.materialization.metadata
    return {name: value.value for name, value in meta.items()}


def query(db: Path, sql: str, params: dict | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def indicator(db: Path, city: str, indicator_id: str) -> dict:
    """The one `marts.indicator_values` row of `city` and `indicator_id`, as a dict."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        frame = con.execute(
            "select * from marts.indicator_values where city_id = $c and indicator_id = $i",
            {"c": city, "i": indicator_id},
        ).df()
    finally:
        con.close()
    assert len(frame) == 1, f"{indicator_id} for {city}: {len(frame)} rows"
    return frame.iloc[0].to_dict()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def trimmed_data_dir(dest: Path, city_prefix: str, metrics: list[str]) -> Path:
    """Copy of data/ whose OSM boundaries keep only cities starting `city_prefix` and whose
    metric catalogue keeps only `metrics`, so live mode sends few Overpass queries."""
    shutil.copytree(DATA, dest)
    for name, keep in (
        ("reference/city_boundaries.csv", lambda line: line.startswith(city_prefix)),
        ("catalogue/osm_metrics.csv", lambda line: line.split(",", 1)[0] in metrics),
    ):
        path = dest / name
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text(lines[0] + "".join(x for x in lines[1:] if keep(x)), encoding="utf-8")
    return dest


def live_apis(replay: ReplayServer) -> dict[str, object]:
    """Every API of a live run on `replay`: World Bank Indicators and Projects, IATI, Overpass."""
    from tests.helpers.overpass_replay import OverpassReplay
    from tests.helpers.projects_replay import IatiReplay, ProjectsReplay
    from tests.helpers.worldbank_replay import WorldBankReplay

    return {
        "worldbank_indicators": WorldBankReplay(replay),
        "worldbank_projects": ProjectsReplay(replay),
        "iati": IatiReplay(replay),
        "osm_overpass": OverpassReplay(replay),
    }
