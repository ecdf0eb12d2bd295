"""`make run`: execute the nightly job once, in this process, and say what was published.

The run is recorded in the Dagster instance at $DAGSTER_HOME (the Makefile points it at
./dagster_home), so it appears in the UI's run history started by `make dev`.
"""

from __future__ import annotations

import sys

import dagster as dg
import duckdb

from pipelines.definitions import defs
from pipelines.settings import Settings


def main() -> int:
    settings = Settings.from_env()
    print(f"ASCN nightly job, mode={settings.mode}, warehouse={settings.output_dir}")
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def("nightly").execute_in_process(
            instance=instance, raise_on_error=False
        )
    if not result.success:
        failed = [e for e in result.all_events if e.is_failure]
        for event in failed:
            print(
                f"FAILED {event.step_key or 'run'}: {event.message}{_cause(event)}", file=sys.stderr
            )
        print(f"Run {result.run_id} failed; the published warehouse was left unchanged.")
        return 1
    print_summary(settings)
    return 0


def _cause(event: dg.DagsterEvent) -> str:
    """The first non-Dagster error of a failure event (e.g. "another run is writing ..")."""
    error = getattr(event.event_specific_data, "error", None)
    while error is not None and error.cls_name.startswith("Dagster") and error.cause is not None:
        error = error.cause
    return f" ({error.message.strip()})" if error is not None else ""


def print_summary(settings: Settings) -> None:
    con = duckdb.connect(str(settings.published_db), read_only=True)
    try:
        tables = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()
        print(f"\nPublished {settings.published_db}")
        for (name,) in tables:
            n = con.execute(f"select count(*) from marts.{name}").fetchall()[0][0]  # noqa: S608
            print(f"  marts.{name:<28} {n:>7,} rows")
        cells = con.execute(
            "select count(*) filter (where filled), count(*) from marts.coverage"
        ).fetchall()[0]
        print(f"  coverage: {cells[0]:,} of {cells[1]:,} city x indicator cells filled")
    finally:
        con.close()
    print(f"Parquet export: {settings.parquet_dir}")
    print(f"Report:         {settings.reports_dir / 'index.html'}")
    print(f"Query it:       duckdb -readonly {settings.published_db}")


if __name__ == "__main__":
    sys.exit(main())
