"""Great Expectations in a worker process, for `make run` (`pipelines.run`).

Importing GX and its first validation cost about 3 s of one core, most of a forced refresh's
fixed cost, and the in-process executor runs one step at a time. `worker()` starts
`python -m pipelines.framework.gx_worker` as the run starts: it imports GX and warms it up on the
other core while the run imports the code location and does its first steps; each GX check
then sends its frame and suite (pickled, over the worker's stdin) and gets back (success, JSON
result) from the same `expectations.validate_here` code. Blocking stays where it was: the check
step waits for its answer.

If the worker cannot start or dies, validations fall back to this process (with one line on
stderr): a worker problem never changes a check's outcome. The worker exits when its stdin
closes, so it never outlives its run (also a killed one: the pipe closes with the process).
"""

from __future__ import annotations

import gc
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import pandas as pd

from pipelines.framework import expectations
from pipelines.framework.expectations import SuiteSpec


class GxWorker:
    """One worker process; `validate` is thread-safe (one request at a time)."""

    def __init__(self) -> None:
        env = os.environ | {"GX_ANALYTICS_ENABLED": "False"}
        self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "pipelines.framework.gx_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self._lock = threading.Lock()

    def validate(self, frame: pd.DataFrame, name: str, spec: SuiteSpec) -> tuple[bool, dict]:
        with self._lock:
            answer = self._ask(("validate", frame, name, spec))
        if answer is None:  # no worker (any more): the same validation here
            return expectations.validate_here(frame, name, spec)
        status, payload = answer
        if status == "error":
            raise RuntimeError(f"Great Expectations failed validating {name}: {payload}")
        return payload

    def _ask(self, request: tuple[Any, ...]) -> tuple[str, Any] | None:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdout is None:
            return None
        try:
            pickle.dump(request, proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            proc.stdin.flush()
            return pickle.load(proc.stdout)  # noqa: S301 - our own child process
        except (BrokenPipeError, EOFError, OSError, pickle.UnpicklingError) as exc:
            print(f"GX worker unavailable ({exc!r}); validating in this process", file=sys.stderr)
            self.close()
            return None

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def worker() -> Iterator[GxWorker | None]:
    """Validations of this process go to a fresh worker inside the block (started at once)."""
    try:
        started: GxWorker | None = GxWorker()
    except OSError as exc:
        print(f"GX worker did not start ({exc!r}); validating in this process", file=sys.stderr)
        started = None
    expectations.use_worker(started)
    try:
        yield started
    finally:
        expectations.use_worker(None)
        if started is not None:
            started.close()


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The worker's loop: warm up, then answer each request until `requests` ends."""
    expectations.warm_up()
    while True:
        try:
            _kind, frame, name, spec = pickle.load(requests)  # noqa: S301 - from our parent
        except EOFError:
            return
        try:
            answer: tuple[str, Any] = ("ok", expectations.validate_here(frame, name, spec))
        except Exception as exc:  # noqa: BLE001 - reported to the check, which fails with it
            answer = ("error", f"{type(exc).__name__}: {exc}")
        pickle.dump(answer, answers, protocol=pickle.HIGHEST_PROTOCOL)
        answers.flush()


def main() -> None:
    # Answers go over a private copy of stdout; whatever GX prints goes to stderr instead.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        serve(sys.stdin.buffer, answers)
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    gc.freeze()  # exit without a final collection over every GX object (~0.5 s)


if __name__ == "__main__":
    main()
