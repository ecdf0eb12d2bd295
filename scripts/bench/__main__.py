"""`python -m scripts.bench [--repeat N] [--sizes ...] [--skip ...]` (see the package docstring)."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from scripts.bench.osm_extract import bench_osm_extract
from scripts.bench.refresh import bench_refresh, bench_transform
from scripts.bench.report import TARGETS, print_report, verdicts
from scripts.bench.report_growth import REPORT_SIZES, bench_report_growth
from scripts.bench.runner import REPO, child, load_average, machine
from scripts.bench.scaling import ANALYST_SIZE, REPORT_MAX, SIZES, bench_queries, publish_once
from scripts.bench.suite import bench_test_suite
from scripts.bench.synthetic import make_synthetic_build


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return 0
    parser = argparse.ArgumentParser(description="ASCN performance figures")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (default 3)")
    parser.add_argument(
        "--sizes", default=",".join(map(str, SIZES)), help="synthetic city counts, comma-separated"
    )
    parser.add_argument(
        "--skip",
        default="",
        help="comma list of: refresh,transform,scaling,queries,osm_extract,report,tests",
    )
    parser.add_argument(
        "--report-sizes",
        default=",".join(map(str, REPORT_SIZES)),
        help="synthetic city counts for the report step, comma-separated",
    )
    parser.add_argument(
        "--osm-20m", action="store_true", help="also the 20,000,000-node synthetic OSM extract"
    )
    parser.add_argument("--out", default=str(REPO / "bench" / "results.json"))
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    sizes = [int(s) for s in args.sizes.split(",") if s]

    res: dict = {"machine": machine(), "repeat": args.repeat, "targets": TARGETS}
    with tempfile.TemporaryDirectory(prefix="ascn-bench-") as tmp_name:
        tmp = Path(tmp_name)
        bundled = tmp / "bundled_build.duckdb"
        if skip >= {"refresh", "transform"}:  # still need a bundled build as the template
            res["refresh"] = bench_refresh(1, tmp, bundled)
            res.pop("refresh")
        else:
            print("full and unchanged refresh on the bundled data ...", flush=True)
            res["refresh"] = bench_refresh(args.repeat, tmp, bundled)
            if "refresh" in skip:
                res.pop("refresh")
        if "transform" not in skip:
            print("transform + publish on the bundled data ...", flush=True)
            res["transform"], _ = bench_transform(
                args.repeat, bundled, tmp / "transform", publish=True
            )
        res["scaling"] = {}
        if "scaling" not in skip:
            for n in sizes:
                print(f"synthetic scaling: {n:,} cities ...", flush=True)
                build = tmp / f"synthetic_{n}" / "synthetic_build.duckdb"
                t0 = time.perf_counter()
                rows = make_synthetic_build(build, n, bundled)
                gen = time.perf_counter() - t0
                result, last_direct = bench_transform(
                    args.repeat,
                    build,
                    tmp / f"synthetic_{n}" / "runs",
                    publish=False,
                )
                res["scaling"][str(n)] = {"measure_rows": rows, "generate_s": gen, **result}
                res["scaling"][str(n)] |= publish_once(last_direct, report=n <= REPORT_MAX)
                if n == ANALYST_SIZE and "queries" not in skip:
                    res["queries"] = bench_queries(last_direct / "ascn.duckdb")
                shutil.rmtree(tmp / f"synthetic_{n}")
        if "osm_extract" not in skip:
            print("OSM extract back-end on SYNTHETIC extracts ...", flush=True)
            res["osm_extract"] = bench_osm_extract(tmp, big=args.osm_20m)
        if "report" not in skip:
            print("report step on SYNTHETIC cities ...", flush=True)
            report_sizes = [int(s) for s in args.report_sizes.split(",") if s]
            res["report_growth"] = bench_report_growth(args.repeat, report_sizes, tmp, bundled)
    if "tests" not in skip:  # last: it loads both cores for minutes
        print("make test ...", flush=True)
        res["test_suite"] = bench_test_suite()
    res["machine"]["load_average_end"] = load_average()
    res["verdicts"] = [
        {"target": label, "passed": ok, "measured": figure} for label, ok, figure in verdicts(res)
    ]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2, default=str) + "\n", encoding="utf-8")
    print_report(res)
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
