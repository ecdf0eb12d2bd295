"""Child processes (one per measured run), their figures, and the machine they ran on."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def own_peak_rss_mb() -> float:
    """Peak resident memory of this process since it started (its own memory map only)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def child(argv: list[str]) -> None:
    """`python -m scripts.bench --child <mode> <output_dir> [sql...]`: one run; prints JSON.

    The direct modes run the given SQL files, then every indicator mart exactly as the marts
    asset builds them (`assets.indicators.marts.build_marts`: the same files, order and
    temporary tables), with no Dagster.
    """
    t0 = time.perf_counter()
    mode, output_dir = argv[0], Path(argv[1])
    build = output_dir / "build" / "ascn_build.duckdb"
    extra: dict = {}
    if mode == "render_report":  # the HTML report of a published file, on its own
        from scripts.bench.report_growth import render_child

        extra = render_child(output_dir)
        t1 = extra.pop("t1")
    elif mode == "refresh":  # exactly `python -m pipelines.run` (what `make run` runs)
        import runpy

        t1 = time.perf_counter()
        sys.argv = ["pipelines.run"]
        try:
            runpy.run_module("pipelines.run", run_name="__main__", alter_sys=True)
        except SystemExit as done:
            if done.code not in (0, None):
                raise SystemExit("nightly run failed") from done
    elif mode.startswith("direct"):  # the same SQL files and publish code, no Dagster
        import duckdb

        from assets.indicators.marts import build_marts
        from warehouse.db import run_sql_file

        sql_files = argv[2:]
        if mode == "direct_publish":
            from assets.publish.report import render_report
            from warehouse.dictionary import export_data_dictionary
            from warehouse.publish import publish
        t1 = time.perf_counter()
        from pipelines.settings import Settings

        # The same memory budget and spill folder as the pipeline's build connection.
        config = Settings.from_env().duckdb_config | {"temp_directory": str(build.parent / "spill")}
        con = duckdb.connect(str(build), config=config)
        try:
            for name in sql_files:
                run_sql_file(con, Path(name))
            build_marts(con)
            if mode == "direct_publish":
                export_data_dictionary(con, output_dir)
                published = output_dir / "ascn.duckdb"
                publish(con, published, output_dir / "parquet", "bench-direct")
        finally:
            con.close()
        if mode == "direct_publish":
            render_report(published, output_dir / "reports")
    else:  # pipeline: materialize the selected assets with Dagster, in-process
        import dagster as dg

        from assets.indicators.assets import marts_indicators, staging_measures
        from assets.publish.assets import published_warehouse
        from pipelines.framework.versions import FORCE_TAG
        from pipelines.resources import WarehouseResource

        selected = [marts_indicators]
        if mode == "pipeline_publish":
            selected = [staging_measures, marts_indicators, published_warehouse]
        t1 = time.perf_counter()
        with dg.DagsterInstance.get() as instance:
            result = dg.materialize(
                selected,
                instance=instance,
                resources={"warehouse": WarehouseResource(output_dir=str(output_dir))},
                tags={FORCE_TAG: "true"},  # the same work as the direct path, never skipped
            )
        if not result.success:
            raise SystemExit("pipeline run failed")
    t2 = time.perf_counter()
    figures = {"import_s": t1 - t0, "work_s": t2 - t1, "peak_rss_mb": own_peak_rss_mb()}
    print(json.dumps(figures | extra))


def run_child(cmd: list[str], env: dict[str, str]) -> dict:
    """Run `cmd` (a `--child` mode); return its wall seconds and the figures it printed."""
    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out_f, stderr=err_f)  # noqa: S603
        proc.wait()
        wall = time.perf_counter() - t0
        out_f.seek(0)
        err_f.seek(0)
        out, err = out_f.read(), err_f.read()
    if proc.returncode != 0:
        sys.stderr.write(err.decode(errors="replace")[-4000:])
        raise SystemExit(f"benchmark run failed: {' '.join(cmd)}")
    last = out.decode(errors="replace").splitlines()[-1]
    return {"wall_s": wall, **json.loads(last)}


def base_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(GX_ANALYTICS_ENABLED="False", DAGSTER_DISABLE_TELEMETRY="1", ASCN_MODE="offline")
    env.update(extra)
    return env


def child_cmd(mode: str, output_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "scripts.bench", "--child", mode, str(output_dir), *args]


def summary(values: list[float]) -> dict:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "runs": values,
    }


def collect(runs: list[dict]) -> dict:
    keys = [k for k in runs[0] if isinstance(runs[0][k], int | float)]
    return {k: summary([r[k] for r in runs]) for k in keys}


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages (the machine is shared: figures depend on it)."""
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "ram_gb": ram_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": version("duckdb"),
        "dagster": version("dagster"),
        "great_expectations": version("great_expectations"),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_start": load_average(),
    }
