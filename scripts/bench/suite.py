"""`make test` as a whole (lint, definitions, every test): wall time on this machine.

Run as a child process exactly as a developer runs it, with the load average before and after
(the machine is shared: a figure means little without it). Never a timed test: a figure here.
"""

from __future__ import annotations

import re
import subprocess
import time

from scripts.bench.runner import REPO, base_env, load_average

SUMMARY = re.compile(r"=+ (?P<text>.*\d+ (passed|failed).*) in (?P<s>[\d.]+)s")


def bench_test_suite() -> dict:
    """Wall seconds of `make test`, the pytest summary line and the load around it."""
    env = base_env()
    env.pop("ASCN_MODE", None)  # the tests set their own settings
    before = load_average()
    t0 = time.perf_counter()
    proc = subprocess.run(  # noqa: S603
        ["make", "--no-print-directory", "test"],  # noqa: S607
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t0
    match = None
    for line in proc.stdout.splitlines():
        match = SUMMARY.search(line) or match
    result = {
        "wall_s": wall,
        "returncode": proc.returncode,
        "summary": match.group("text") if match else proc.stdout[-500:],
        "pytest_s": float(match.group("s")) if match else None,
        "load_before": before,
        "load_after": load_average(),
    }
    print(f"  make test: {wall:.0f} s, exit {proc.returncode}, {result['summary']}", flush=True)
    return result
