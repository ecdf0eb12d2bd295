"""Verdicts against the targets, and the printed table."""

from __future__ import annotations

from scripts.bench.scaling import ANALYST_SIZE

TARGETS = {
    "full_refresh_s": 20.0,
    "forced_refresh_s": 10.0,
    "unchanged_vs_full": 0.5,
    "overhead_ratio_11422": 1.5,
    "growth_100k_vs_11422": 9.0,
    "report_growth_exponent": 1.5,
    "make_test_s": 180.0,
    "peak_rss_100k_mb": 2048.0,
    "analyst_query_ms": 100.0,
}


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
        if "forced" in r:
            forced = r["forced"]["wall_s"]["median"]
            out.append(("forced full refresh <= 10 s", forced <= 10, f"{forced:.1f} s"))
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
        out.append(("100,000 cities <= 9x the 11,422 time", g <= 9, f"{g:.1f}x"))
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
    rg = res.get("report_growth")
    if rg and len(rg) > 1:
        largest = max(rg, key=int)
        e = rg[largest]["exponent_vs_previous"]
        out.append(
            (
                f"report step not quadratic (exponent < 1.5 up to {int(largest):,})",
                e < TARGETS["report_growth_exponent"],
                f"time ~ cities^{e:.2f}",
            )
        )
    ts = res.get("test_suite")
    if ts:
        ok = ts["wall_s"] <= TARGETS["make_test_s"] and ts["returncode"] == 0
        out.append(("make test <= 3 min (and green)", ok, f"{ts['wall_s']:.0f} s, {ts['summary']}"))
    return out


def print_extra(res: dict) -> None:
    """The report step's growth and `make test`, under the tables above."""
    rg = res.get("report_growth")
    if rg:
        print("\nReport step (render_report), SYNTHETIC cities, child process of its own")
        for size, s in rg.items():
            e = s.get("exponent_vs_previous")
            print(
                f"  {int(size):>7,} cities {fmt(s['wall_s'])}"
                f"  peak {s['peak_rss_mb']['median']:6.0f} MB"
                f"  {s['pages']['median']:6.0f} pages {s['bytes']['median'] / 1e6:7.1f} MB"
                + (f"  exponent {e:.2f}" if e is not None else "")
            )
    ts = res.get("test_suite")
    if ts:
        print(
            f"\nmake test: {ts['wall_s']:.0f} s (pytest {ts['pytest_s']} s), "
            f"exit {ts['returncode']}, {ts['summary']}; "
            f"load average before {ts['load_before']}, after {ts['load_after']}"
        )


def print_report(res: dict) -> None:
    m = res["machine"]
    print(
        f"\nMachine: {m['cpu_model']}, {m['cores']} cores, {m['ram_gb']} GB RAM, "
        f"Python {m['python']}, DuckDB {m['duckdb']}, Dagster {m['dagster']}, {m['date']}; "
        f"load average at start {m.get('load_average_start')}, end {m.get('load_average_end')}"
    )
    print(f"Each figure: median of {res['repeat']} runs (min, max).\n")
    r = res.get("refresh")
    if r:
        for name, label in (
            ("full", "full refresh (fresh warehouse)"),
            ("unchanged", "refresh, no source changed"),
            ("forced", "forced full refresh (ASCN_FORCE_REBUILD=1)"),
        ):
            if name not in r:
                continue
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
    print_extra(res)
    print("\nTargets")
    for label, ok, figure in verdicts(res):
        print(f"  {'PASS' if ok else 'FAIL'}  {label:<44} {figure}")
