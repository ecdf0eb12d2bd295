"""Performance figures (`make bench`): prints a table and writes bench/results.json.

Every figure is the median of `--repeat` runs (with min and max). Each measured run is a child
process, so its wall time includes interpreter start-up and imports, and its peak memory is that
child's own peak RSS: `VmHWM` of /proc/self/status, read by the child as it ends. (Not the
`ru_maxrss` of the child's rusage: Linux carries the parent's peak into it through vfork/exec,
so a parent that once generated a 100,000-city build would inflate every later figure.)

Measured:
- full nightly refresh on the bundled data, in a fresh temporary warehouse;
- the same refresh again on the same warehouse when no source changed;
- transform + publish (staging/measures -> the six indicator marts -> publish) on a prepared build
  file, once through Dagster (`dg.materialize`, in-process executor) and once as the same SQL
  files run directly in DuckDB, and their ratio (orchestration overhead);
- scaling: SYNTHETIC cities (ids `syn-000001`...) generated in SQL straight into a temporary
  build file (staging.measures for every measure the catalogue needs, 10 years each), then the
  indicator marts + publish through the pipeline and directly;
- analyst queries on the published synthetic file at 11,422 cities.

Synthetic data only ever lives in temporary directories, never under warehouse/ or data/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SIZES = [31, 1_000, 11_422, 100_000]
ANALYST_SIZE = 11_422
REPORT_MAX = 31  # the HTML report is timed only up to this size (it grows quadratically)
YEARS = list(range(2014, 2024))  # 10 synthetic years per measure
STAGING_MEASURES_SQL = REPO / "assets" / "indicators" / "sql" / "staging_measures.sql"
ASEAN = ["BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"]

TARGETS = {
    "full_refresh_s": 20.0,
    "unchanged_vs_full": 0.5,
    "overhead_ratio_11422": 1.5,
    "growth_100k_vs_11422": 10.0,
    "peak_rss_100k_mb": 2048.0,
    "analyst_query_ms": 100.0,
}


# --------------------------------------------------------------------------------------------
# child processes (one per measured run)
# --------------------------------------------------------------------------------------------


def own_peak_rss_mb() -> float:
    """Peak resident memory of this process since it started (its own memory map only)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def child(argv: list[str]) -> None:
    """`bench.py --child <mode> <output_dir> [sql...]`: one measured run; prints JSON.

    The direct modes run the given SQL files, then every indicator mart exactly as the marts
    asset builds them (`assets.indicators.marts.build_marts`: the same files, order and
    temporary tables), with no Dagster.
    """
    t0 = time.perf_counter()
    mode, output_dir = argv[0], Path(argv[1])
    build = output_dir / "build" / "ascn_build.duckdb"
    if mode == "refresh":  # exactly `python -m pipelines.run` (what `make run` runs)
        from pipelines.run import main as run_nightly

        t1 = time.perf_counter()
        if run_nightly() != 0:
            raise SystemExit("nightly run failed")
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
    print(json.dumps({"import_s": t1 - t0, "work_s": t2 - t1, "peak_rss_mb": own_peak_rss_mb()}))


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
    return [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        mode,
        str(output_dir),
        *args,
    ]


# --------------------------------------------------------------------------------------------
# synthetic data
# --------------------------------------------------------------------------------------------


def make_synthetic_build(path: Path, n_cities: int, template: Path, seed: float = 0.42) -> int:
    """Write a build file with `n_cities` SYNTHETIC cities; return the staging.measures rows.

    The marts that the indicator SQL does not build (projects, funding gaps ...) are created
    empty with the shape they have in `template` (a bundled build), so publish finds them.
    """
    import duckdb

    from assets.indicators.catalogue import load_catalogue
    from warehouse.db import checked_identifier, defined_tables, run_sql_file

    ref = REPO / "data" / "reference"
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        run_sql_file(con, "schema.sql")
        quoted = str(template).replace("'", "''")  # a path cannot be a bound parameter here
        con.execute(f"attach '{quoted}' as template (read_only)")  # noqa: S608
        for (name,) in con.execute(
            "select table_name from duckdb_tables() "
            "where database_name = 'template' and schema_name = 'marts'"
        ).fetchall():
            table = checked_identifier(f"marts.{name}")
            con.execute(f"create table {table} as select * from template.{table} limit 0")  # noqa: S608
        con.execute("detach template")
        con.execute(
            "create table staging.focus_areas as select focus_area_id, name, description "
            "from read_csv($p, all_varchar = true)",
            {"p": str(ref / "focus_areas.csv")},
        )
        con.execute(
            "create table staging.boundary_types as select boundary_type, "
            "precedence::integer as precedence, description from read_csv($p, all_varchar = true)",
            {"p": str(ref / "boundary_types.csv")},
        )
        focus = {
            r[0] for r in con.execute("select focus_area_id from staging.focus_areas").fetchall()
        }
        bounds = {
            r[0] for r in con.execute("select boundary_type from staging.boundary_types").fetchall()
        }
        catalogue = load_catalogue(  # noqa: F841 - read by DuckDB below
            REPO / "data" / "catalogue" / "indicators.csv", focus, defined_tables(), bounds
        )
        con.execute("create table staging.indicator_catalogue as select * from catalogue")
        con.execute("select setseed($s)", {"s": seed})
        con.execute(
            """
            create table staging.cities as
            select 'syn-' || lpad(i::varchar, 6, '0') as city_id,
                   'Synthetic city ' || i as name, null::varchar as local_name,
                   ($asean)[1 + (i % 10)::int] as country_iso3, 'Synthetic' as country_name,
                   -10 + random() * 30 as lat, 95 + random() * 45 as lon,
                   2018 as joined_year, 'synthetic' as admin_unit_type
            from generate_series(1, $n) t(i)
            """,
            {"n": n_cities, "asean": ASEAN},
        )
        # Every (measure, boundary) the catalogue asks for: numerators at their fixed boundary
        # (or city_proper), denominators at city_proper and at the numerator's boundary.
        con.execute(
            """
            create temp table needs as
            select distinct measure_id, boundary_type from (
                select numerator_measure as measure_id,
                       coalesce(nullif(numerator_boundary, ''), 'city_proper') as boundary_type
                from staging.indicator_catalogue
                union all
                select denominator, coalesce(nullif(numerator_boundary, ''), 'city_proper')
                from staging.indicator_catalogue where denominator is not null
                union all
                select denominator, 'city_proper'
                from staging.indicator_catalogue where denominator is not null
            )
            """
        )
        con.execute(
            """
            create table staging.measures as
            select c.city_id, n.measure_id, y.year::bigint as year,
                   case when n.measure_id = 'population' then exp(ln(20000) + random() * ln(500))
                        when n.measure_id = 'land_area_km2' then 20 + random() * 2000
                        when n.measure_id like '%pct%' or n.measure_id like '%.ZS'
                            or n.measure_id like '%share%' then random() * 100
                        else random() * 1000 end as value,
                   'synthetic' as unit, n.boundary_type, 'synthetic' as source_id,
                   'synthetic#' || c.city_id || '/' || n.measure_id || '/' || y.year
                       as provenance,
                   'synthetic' as vintage
            from staging.cities c
            cross join needs n
            cross join (select unnest($years) as year) y
            """,
            {"years": YEARS},
        )
        con.execute(
            """
            create table staging.population_figures as
            select p.city_id, p.year::integer as year, p.value as population,
                   a.value as area_km2, p.boundary_type, 'synthetic' as unit_name,
                   false as is_projection, p.source_id, p.provenance, p.vintage,
                   'synthetic' as source_ref
            from staging.measures p
            left join staging.measures a
              on a.city_id = p.city_id and a.year = p.year and a.boundary_type = p.boundary_type
             and a.measure_id = 'land_area_km2'
            where p.measure_id = 'population'
            """
        )
        rows = con.execute("select count(*) from staging.measures").fetchall()[0][0]
        con.execute("checkpoint")
    finally:
        con.close()
    return rows


# --------------------------------------------------------------------------------------------
# measurements
# --------------------------------------------------------------------------------------------


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


def bench_refresh(repeat: int, tmp: Path, keep_build: Path) -> dict:
    full, unchanged = [], []
    for i in range(repeat):
        wdir, home = tmp / f"refresh{i}" / "warehouse", tmp / f"refresh{i}" / "home"
        home.mkdir(parents=True)
        env = base_env(ASCN_OUTPUT_DIR=str(wdir), DAGSTER_HOME=str(home))
        cmd = child_cmd("refresh", wdir)
        full.append(run_child(cmd, env))
        if i == 0:
            shutil.copy(wdir / "build" / "ascn_build.duckdb", keep_build)
        unchanged.append(run_child(cmd, env))
        shutil.rmtree(tmp / f"refresh{i}")
        print(
            f"  refresh {i + 1}/{repeat}: full {full[-1]['wall_s']:.1f} s, "
            f"unchanged {unchanged[-1]['wall_s']:.1f} s",
            flush=True,
        )
    return {"full": collect(full), "unchanged": collect(unchanged)}


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


def publish_once(wdir: Path, *, report: bool) -> dict:
    """Publish a finished synthetic build once (copy + Parquet), and time the HTML report."""
    import duckdb

    from assets.publish.report import render_report
    from warehouse.publish import publish

    out: dict = {}
    t0 = time.perf_counter()
    con = duckdb.connect(str(wdir / "build" / "ascn_build.duckdb"))
    try:
        publish(con, wdir / "ascn.duckdb", wdir / "parquet", "bench")
    finally:
        con.close()
    out["publish_s"] = time.perf_counter() - t0
    if report:
        t0 = time.perf_counter()
        render_report(wdir / "ascn.duckdb", wdir / "reports")
        out["report_s"] = time.perf_counter() - t0
    return out


def bench_queries(published: Path, runs: int = 20) -> dict:
    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    try:
        indicators = [
            r[0]
            for r in con.execute(
                "select distinct indicator_id from marts.indicator_values order by 1"
            ).fetchall()
        ]
        cities = [
            r[0] for r in con.execute("select city_id from marts.city_peer_groups").fetchall()
        ]
        queries = {
            "rank_cities_on_one_indicator": (
                "select city_id, value, score, rank from marts.indicator_values "
                "where indicator_id = $k order by score desc nulls last, city_id",
                lambda i: {"k": indicators[(i * 7) % len(indicators)]},
            ),
            "city_profile_row": (
                "select * from marts.city_profile where city_id = $c",
                lambda i: {"c": cities[(i * 997) % len(cities)]},
            ),
            "city_indicator_values": (
                "select * from marts.indicator_values where city_id = $c order by indicator_id",
                lambda i: {"c": cities[(i * 991) % len(cities)]},
            ),
        }
        out = {}
        for name, (sql, params) in queries.items():
            times = []
            for i in range(runs):
                t0 = time.perf_counter()
                rows = con.execute(sql, params(i)).fetchall()
                times.append((time.perf_counter() - t0) * 1000)
            out[name] = summary(times) | {"rows_last_run": len(rows)}
        return out
    finally:
        con.close()


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
    }


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------


def fmt(s: dict, unit: str = "s", scale: float = 1.0, digits: int = 2) -> str:
    return (
        f"{s['median'] * scale:>9.{digits}f} {unit:<3}"
        f" (min {s['min'] * scale:.{digits}f}, max {s['max'] * scale:.{digits}f})"
    )


def verdicts(res: dict) -> list[tuple[str, bool | None, str]]:
    out: list[tuple[str, bool | None, str]] = []
    r = res.get("refresh")
    if r:
        full = r["full"]["wall_s"]["median"]
        unch = r["unchanged"]["wall_s"]["median"]
        out.append(("full refresh <= 20 s", full <= 20, f"{full:.1f} s"))
        out.append(
            (
                "unchanged refresh <= half of full",
                unch <= full / 2,
                f"{unch:.1f} s = {unch / full:.2f} x full",
            )
        )
    sc = res.get("scaling", {})
    if str(ANALYST_SIZE) in sc:
        ratio = sc[str(ANALYST_SIZE)]["ratio_wall"]
        work = sc[str(ANALYST_SIZE)]["ratio_work"]
        out.append(
            (
                f"orchestration overhead at {ANALYST_SIZE:,} <= 1.5x",
                ratio <= 1.5,
                f"{ratio:.2f}x wall ({work:.2f}x excluding imports)",
            )
        )
    if str(ANALYST_SIZE) in sc and "100000" in sc:
        g = (
            sc["100000"]["pipeline"]["wall_s"]["median"]
            / sc[str(ANALYST_SIZE)]["pipeline"]["wall_s"]["median"]
        )
        out.append(("100,000 cities <= 10x the 11,422 time", g <= 10, f"{g:.1f}x"))
        mem = max(sc["100000"][k]["peak_rss_mb"]["max"] for k in ("pipeline", "direct"))
        out.append(("100,000 cities peak memory < 2 GB", mem < 2048, f"{mem:,.0f} MB"))
    q = res.get("queries")
    if q:
        worst = max(v["median"] for v in q.values())
        out.append(
            (
                f"analyst queries < 100 ms at {ANALYST_SIZE:,}",
                worst < 100,
                f"slowest median {worst:.1f} ms",
            )
        )
    return out


def print_report(res: dict) -> None:
    m = res["machine"]
    print(
        f"\nMachine: {m['cpu_model']}, {m['cores']} cores, {m['ram_gb']} GB RAM, "
        f"Python {m['python']}, DuckDB {m['duckdb']}, Dagster {m['dagster']}, {m['date']}"
    )
    print(f"Each figure: median of {res['repeat']} runs (min, max).\n")
    r = res.get("refresh")
    if r:
        for name, label in (
            ("full", "full refresh (fresh warehouse)"),
            ("unchanged", "refresh, no source changed"),
        ):
            s = r[name]
            print(f"{label:<44}{fmt(s['wall_s'])}  peak {s['peak_rss_mb']['median']:7.0f} MB")
    t = res.get("transform")
    if t:
        for kind in ("pipeline", "direct"):
            s = t[kind]
            print(
                f"{'transform+publish, bundled, ' + kind:<44}{fmt(s['wall_s'])}  "
                f"peak {s['peak_rss_mb']['median']:7.0f} MB  "
                f"(imports {s['import_s']['median']:.2f} s, work {s['work_s']['median']:.2f} s)"
            )
        print(
            f"{'  orchestration overhead (pipeline/direct)':<44}{t['ratio_wall']:9.2f} x wall, "
            f"{t['ratio_work']:.2f} x excluding imports"
        )
    sc = res.get("scaling", {})
    if sc:
        print(
            "\nSynthetic cities: indicator marts (marts_indicators), wall s median [min-max], "
            "peak RSS MB; ratio = pipeline/direct wall; growth = pipeline vs previous size"
        )
        print(
            f"{'cities':>8} {'measure rows':>13} {'gen s':>6} | {'pipeline':>22} {'MB':>6} |"
            f" {'direct':>22} {'MB':>6} | {'ratio':>5} | {'growth':>7}"
        )
        prev = None
        for size, s in sc.items():
            p, d = s["pipeline"], s["direct"]
            growth = f"{p['wall_s']['median'] / prev:6.1f}x" if prev else f"{'-':>7}"
            prev = p["wall_s"]["median"]
            pw = f"{p['wall_s']['median']:.2f} [{p['wall_s']['min']:.2f}-{p['wall_s']['max']:.2f}]"
            dw = f"{d['wall_s']['median']:.2f} [{d['wall_s']['min']:.2f}-{d['wall_s']['max']:.2f}]"
            extra = f" | publish {s['publish_s']:.2f} s" + (
                f", report {s['report_s']:.1f} s" if "report_s" in s else ""
            )
            print(
                f"{int(size):>8,} {s['measure_rows']:>13,} {s['generate_s']:>6.1f} |"
                f" {pw:>22} {p['peak_rss_mb']['median']:>6.0f} |"
                f" {dw:>22} {d['peak_rss_mb']['median']:>6.0f} |"
                f" {s['ratio_wall']:>5.2f} | {growth}{extra}"
            )
    q = res.get("queries")
    if q:
        print(
            f"\nAnalyst queries on the published file, {ANALYST_SIZE:,} synthetic cities "
            "(read-only connection opened once)"
        )
        for name, s in q.items():
            print(f"  {name:<40}{fmt(s, 'ms', digits=1)}  rows {s['rows_last_run']:,}")
    print("\nTargets")
    for label, ok, figure in verdicts(res):
        print(f"  {'PASS' if ok else 'FAIL'}  {label:<44} {figure}")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (default 3)")
    parser.add_argument(
        "--sizes", default=",".join(map(str, SIZES)), help="synthetic city counts, comma-separated"
    )
    parser.add_argument(
        "--skip", default="", help="comma list of: refresh,transform,scaling,queries"
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
