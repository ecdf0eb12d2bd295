"""`make dev`: the Dagster UI and daemon, stopped cleanly within seconds on SIGINT or SIGTERM.

`dagster dev` runs the webserver and the daemon as child processes; stopped by a signal it can
take a minute to wind them down. This wrapper starts it in its own process group, marks runs left
STARTED by a killed process as failed (so the queue and the schedule go on), and on SIGINT or
SIGTERM asks the whole group to stop, killing what is left after STOP_TIMEOUT_S.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

import dagster as dg

from pipelines.settings import Settings
from pipelines.stale_runs import build_lock, fail_dead_runs

STOP_TIMEOUT_S = 5.0  # then SIGKILL: `make dev` must be gone within 10 s


def main(argv: list[str]) -> int:
    with dg.DagsterInstance.get() as instance:
        for run_id in fail_dead_runs(instance, build_lock(Settings.from_env())):
            print(f"marked run {run_id} failed: left STARTED by a killed process")
    dagster = Path(sys.executable).with_name("dagster")
    process = subprocess.Popen([str(dagster), "dev", *argv], start_new_session=True)

    stop_at: float | None = None

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # Only flag and forward here: waiting inside a signal handler can deadlock Popen.wait.
        nonlocal stop_at
        if stop_at is None:
            stop_at = time.monotonic() + STOP_TIMEOUT_S
            _signal_group(process.pid, signal.SIGTERM)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    while (code := process.poll()) is None:
        if stop_at is not None and time.monotonic() > stop_at:
            _signal_group(process.pid, signal.SIGKILL)
        time.sleep(0.2)
    if stop_at is None:
        return code
    # `dagster dev` may exit before its webserver and daemon: wait for the whole group.
    while _signal_group(process.pid, 0):
        if time.monotonic() > stop_at:
            _signal_group(process.pid, signal.SIGKILL)
        time.sleep(0.2)
    return 0


def _signal_group(pid: int, signum: int) -> bool:
    """Signal the process group `pid`; False when no process of it is left."""
    try:
        os.killpg(pid, signum)
    except ProcessLookupError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
