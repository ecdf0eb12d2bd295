"""`make run`: execute the nightly job once, in this process, and say what it did.

The run is recorded in the Dagster instance at $DAGSTER_HOME (the Makefile points it at
./dagster_home), so it appears in the UI's run history started by `make dev`. The terminal gets
one line per step with a counter (the `steps` logger below) instead of Dagster's DEBUG stream,
then a summary: changed or unchanged, checks, quarantine, where the outputs are.
"""

from __future__ import annotations

import gc
import sys
from collections import Counter
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.framework import gx_worker
from pipelines.logs import first_error_line
from pipelines.settings import Settings

#: run config that replaces Dagster's console logger by the step counter
QUIET = {"loggers": {"steps": {}}}
DUCKDB_CLI_HINT = "no DuckDB CLI? `.venv/bin/pip install duckdb-cli` puts one at .venv/bin/duckdb"


def main() -> int:
    settings = Settings.from_env()
    print(f"ASCN nightly job, mode={settings.mode}, outputs in {settings.output_dir}")
    # Great Expectations imports in its worker, on the other core, while this process loads the
    # code location (imported here, after the worker started) and runs the first steps.
    with gx_worker.worker():
        from pipelines.definitions import defs

        job = defs.resolve_job_def("nightly")
        with dg.DagsterInstance.get() as instance:
            quiet = settings.run_log == "steps"
            result = job.execute_in_process(
                instance=instance, raise_on_error=False, run_config=QUIET if quiet else None
            )
    checks = _check_outcomes(result)
    if not result.success:
        finished = 0
        for event in result.all_events:
            if event.event_type == dg.DagsterEventType.STEP_FAILURE:
                print(f"FAILED {event.step_key}: {first_error_line(event)}", file=sys.stderr)
            elif event.is_failure and event.step_key is None:  # e.g. a resource that failed
                print(f"FAILED run: {first_error_line(event)}", file=sys.stderr)
            finished += event.event_type in (
                dg.DagsterEventType.STEP_SUCCESS,
                dg.DagsterEventType.STEP_FAILURE,
            )
        print(f"{len(job.graph.node_dict) - finished} step(s) not run: an upstream step failed")
        _print_checks(checks)
        print(f"Run {result.run_id} failed; the published warehouse was left unchanged.")
        return 1
    print_summary(settings, result, checks)
    return 0


def _check_outcomes(result: dg.ExecuteInProcessResult) -> Counter[str]:
    """passed / failed / warned, over every check evaluation of the run."""
    outcomes: Counter[str] = Counter()
    for event in result.all_events:
        if event.event_type != dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            continue
        evaluation = event.event_specific_data
        if evaluation.passed:
            outcomes["passed"] += 1
        elif evaluation.severity == dg.AssetCheckSeverity.WARN:
            outcomes["warned"] += 1
        else:
            outcomes["failed"] += 1
    return outcomes


def _print_checks(checks: Counter[str]) -> None:
    print(
        f"Checks: {checks['passed']} passed, {checks['failed']} failed, {checks['warned']} warned"
    )


def _changed_assets(result: dg.ExecuteInProcessResult) -> tuple[int, int]:
    """(rebuilt, unchanged) asset materializations of the run."""
    rebuilt = unchanged = 0
    for event in result.get_asset_materialization_events():
        meta = event.event_specific_data.materialization.metadata
        flag = meta.get("unchanged")
        if flag is not None and bool(flag.value):
            unchanged += 1
        else:
            rebuilt += 1
    return rebuilt, unchanged


def print_summary(
    settings: Settings, result: dg.ExecuteInProcessResult, checks: Counter[str]
) -> None:
    rebuilt, unchanged = _changed_assets(result)
    published = settings.published_db
    if rebuilt == 0:
        print(f"\nNothing changed: {unchanged} assets up to date; {published} kept as it was.")
    else:
        print(f"\nPublished {published} ({rebuilt} assets rebuilt, {unchanged} unchanged)")
    _print_checks(checks)
    con = duckdb.connect(str(published), read_only=True)
    try:
        tables = con.execute(
            "select table_name, estimated_size from duckdb_tables() "
            "where schema_name = 'marts' order by 1"
        ).fetchall()
        print("  " + ", ".join(f"{name} {n:,}" for name, n in tables))
        cells = con.execute(
            "select count(*) filter (where filled), count(*) from marts.coverage"
        ).fetchall()[0]
        print(f"  coverage: {cells[0]:,} of {cells[1]:,} city x indicator cells filled")
        rejected = con.execute(
            "select source, count(*) from quarantine.rejected_rows group by source order by 1"
        ).fetchall()
        # Business matching needs the user's own company register (marts.company_registers).
        no_register = con.execute(
            "select status || ': ' || how_to_supply from marts.company_registers where file is null"
        ).fetchall()
        for (line,) in no_register:
            print(f"  company register: {line}")
    finally:
        con.close()
    if rejected:
        listed = ", ".join(f"{source} {n}" for source, n in rejected)
        print(f"  quarantined rows: {listed} (table quarantine.rejected_rows)")
    else:
        print("  quarantined rows: none")
    _print_outputs(settings)


def _print_outputs(settings: Settings) -> None:
    dictionary = settings.output_dir / "data_dictionary.md"
    print(f"Report:     {settings.reports_dir / 'index.html'}")
    print(f"Dictionary: {dictionary}")
    print(f"Parquet:    {settings.parquet_dir}")
    print(f"Query it:   duckdb -readonly {_relative(settings.published_db)}")
    print(
        f"            (the DuckDB CLI: {DUCKDB_CLI_HINT}; or .venv/bin/python -c 'import duckdb')"
    )


def _relative(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


if __name__ == "__main__":
    code = main()
    # Nothing is left to free: skip the final garbage collection over every object of Dagster,
    # pandas and DuckDB (about 1.5 s at exit).
    gc.freeze()
    sys.exit(code)
