"""The report step (`assets.publish.report.render_report`) at growing SYNTHETIC city counts.

For each size: a synthetic build (`synthetic.make_synthetic_build`), the indicator marts built
directly (`--child direct_marts`), published once, then the HTML report rendered in a child
process of its own (`--child render_report`: wall, peak memory, pages and bytes written). The
growth exponent between two sizes is log(t2 / t1) / log(n2 / n1): 1 is linear, 2 quadratic.
"""

from __future__ import annotations

import math
import shutil
import time
from pathlib import Path

from scripts.bench.refresh import INSTANCE_YAML
from scripts.bench.runner import base_env, child_cmd, collect, run_child
from scripts.bench.scaling import publish_once
from scripts.bench.synthetic import make_synthetic_build

REPORT_SIZES = [31, 300, 1_000]


def bench_report_growth(repeat: int, sizes: list[int], tmp: Path, template: Path) -> dict:
    out: dict = {}
    for n in sizes:
        base = tmp / f"report_{n}"
        wdir, home = base / "warehouse", base / "home"
        (wdir / "build").mkdir(parents=True)
        home.mkdir()
        shutil.copy(INSTANCE_YAML, home / "dagster.yaml")
        t0 = time.perf_counter()
        make_synthetic_build(wdir / "build" / "ascn_build.duckdb", n, template)
        env = base_env(ASCN_OUTPUT_DIR=str(wdir), DAGSTER_HOME=str(home))
        run_child(child_cmd("direct_marts", wdir), env)
        publish_once(wdir, report=False)
        prepare = time.perf_counter() - t0
        runs = [run_child(child_cmd("render_report", wdir), env) for _ in range(repeat)]
        out[str(n)] = collect(runs) | {"prepare_s": prepare}
        shutil.rmtree(base)
        r = out[str(n)]
        print(
            f"  report, {n:,} cities: {r['wall_s']['median']:.1f} s, "
            f"{r['pages']['median']:.0f} pages, {r['bytes']['median'] / 1e6:.1f} MB",
            flush=True,
        )
    sized = sorted(int(n) for n in out)
    for a, b in zip(sized, sized[1:], strict=False):
        ta, tb = (out[str(x)]["work_s"]["median"] for x in (a, b))
        out[str(b)]["exponent_vs_previous"] = math.log(tb / ta) / math.log(b / a)
    return out


def render_child(output_dir: Path) -> dict:
    """`--child render_report`: the report of `output_dir/ascn.duckdb`, and what it wrote."""
    from assets.publish.report import render_report

    t1 = time.perf_counter()
    reports = output_dir / "reports"
    shutil.rmtree(reports, ignore_errors=True)
    render_report(output_dir / "ascn.duckdb", reports)
    files = [p for p in reports.rglob("*") if p.is_file()]
    return {
        "t1": t1,
        "pages": sum(p.suffix == ".html" for p in files),
        "bytes": sum(p.stat().st_size for p in files),
    }
