"""Performance figures (`make bench` = `python -m scripts.bench`): a table and bench/results.json.

Every figure is the median of `--repeat` runs (with min and max). Each measured run is a child
process (`runner.child`), so its wall time includes interpreter start-up and imports, and its
peak memory is that child's own peak RSS: `VmHWM` of /proc/self/status, read by the child as it
ends. (Not the `ru_maxrss` of the child's rusage: Linux carries the parent's peak into it through
vfork/exec, so a parent that once generated a 100,000-city build would inflate every later
figure.)

One module per bench family:
- `refresh`: full nightly refresh on the bundled data in a fresh warehouse, the same refresh
  again when no source changed, and transform + publish through Dagster vs. the same SQL direct;
- `scaling`: SYNTHETIC cities (ids `syn-000001`...) generated in SQL straight into a temporary
  build file (`synthetic`), the indicator marts through the pipeline and directly, publish, the
  HTML report, and analyst queries on the published synthetic file (`queries`);
- `report`: verdicts against the targets and the printed table.

A new family: a module with a `bench_<name>(args, tmp, res)` that stores its figures in `res`,
registered in `__main__.FAMILIES`, its lines in `report.print_report` and its targets in
`report.verdicts`.

Synthetic data only ever lives in temporary directories, never under warehouse/ or data/.
"""
