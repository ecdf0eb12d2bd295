"""Full, unchanged and forced refresh of the bundled data; transform + publish (Dagster/direct)."""

from __future__ import annotations

import shutil
from pathlib import Path

from scripts.bench.runner import REPO, base_env, child_cmd, collect, run_child

STAGING_MEASURES_SQL = REPO / "assets" / "indicators" / "sql" / "staging_measures.sql"


#: the Dagster instance settings `make run` uses (storage, run queue): measured runs use them too
INSTANCE_YAML = REPO / "dagster_home" / "dagster.yaml"


def bench_refresh(repeat: int, tmp: Path, keep_build: Path) -> dict:
    """Per repeat, on one fresh warehouse and Dagster home: a full refresh, the same again with
    no source changed, then a forced full refresh (`ASCN_FORCE_REBUILD=1`: every asset rebuilt,
    every check evaluated: what `ASCN_FORCE_REBUILD=1 python -m pipelines.run` does)."""
    full, unchanged, forced = [], [], []
    for i in range(repeat):
        wdir, home = tmp / f"refresh{i}" / "warehouse", tmp / f"refresh{i}" / "home"
        home.mkdir(parents=True)
        shutil.copy(INSTANCE_YAML, home / "dagster.yaml")
        env = base_env(ASCN_OUTPUT_DIR=str(wdir), DAGSTER_HOME=str(home))
        cmd = child_cmd("refresh", wdir)
        full.append(run_child(cmd, env))
        if i == 0:
            shutil.copy(wdir / "build" / "ascn_build.duckdb", keep_build)
        unchanged.append(run_child(cmd, env))
        forced.append(run_child(cmd, env | {"ASCN_FORCE_REBUILD": "1"}))
        shutil.rmtree(tmp / f"refresh{i}")
        print(
            f"  refresh {i + 1}/{repeat}: full {full[-1]['wall_s']:.1f} s, "
            f"unchanged {unchanged[-1]['wall_s']:.1f} s, forced {forced[-1]['wall_s']:.1f} s",
            flush=True,
        )
    return {"full": collect(full), "unchanged": collect(unchanged), "forced": collect(forced)}


def bench_transform(repeat: int, build: Path, tmp: Path, *, publish: bool):
    """Pipeline vs direct SQL on copies of `build`; return both and the ratio of medians.

    publish=True: staging/measures -> indicator marts -> publish (with dictionary, Parquet and
    HTML report) on both paths; publish=False: the indicator marts only (marts_indicators).
    """
    sql = [str(STAGING_MEASURES_SQL)] if publish else []
    suffix = "_publish" if publish else "_marts"
    out: dict[str, list[dict]] = {"pipeline": [], "direct": []}
    for i in range(repeat):
        for kind in ("pipeline", "direct"):
            wdir = tmp / f"{kind}{i}"
            home = tmp / f"{kind}{i}_home"
            (wdir / "build").mkdir(parents=True)
            home.mkdir()
            shutil.copy(build, wdir / "build" / "ascn_build.duckdb")
            env = base_env(ASCN_OUTPUT_DIR=str(wdir), DAGSTER_HOME=str(home))
            extra = () if kind == "pipeline" else tuple(sql)
            out[kind].append(run_child(child_cmd(kind + suffix, wdir, *extra), env))
            if i < repeat - 1 or kind == "pipeline":
                shutil.rmtree(wdir)
            shutil.rmtree(home)
    result = {k: collect(v) for k, v in out.items()}
    p, d = result["pipeline"], result["direct"]
    result["ratio_wall"] = p["wall_s"]["median"] / d["wall_s"]["median"]
    result["ratio_work"] = p["work_s"]["median"] / d["work_s"]["median"]
    return result, tmp / f"direct{repeat - 1}"
