"""The `steps` logger: one line per finished step with a counter, for `make run`.

Dagster's console logger prints every event at DEBUG (about 150 lines a run); `make run` asks for
this logger instead (run config `{"loggers": {"steps": {}}}`). Runs from the UI keep the default.
"""

from __future__ import annotations

import logging

import dagster as dg


class _StepLines(logging.Handler):
    """Prints one line per finished step ("[3/24] raw__cities ok"), and every warning."""

    def __init__(self, total: int):
        super().__init__(level=logging.DEBUG)  # step events are DEBUG records
        self.total, self.done = total, 0

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", {}) or {}
        event: dg.DagsterEvent | None = meta.get("dagster_event")
        if event is None:
            if record.levelno >= logging.WARNING:
                print(
                    f"      warning ({meta.get('step_key') or 'run'}): {meta.get('orig_message')}"
                )
            return
        kind = event.event_type
        if kind in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            self.done += 1
            ok = kind == dg.DagsterEventType.STEP_SUCCESS
            counter = f"[{self.done:>{len(str(self.total))}}/{self.total}]"
            print(f"{counter} {event.step_key:<58} {'ok' if ok else 'FAILED'}")
        elif kind == dg.DagsterEventType.STEP_SKIPPED:
            self.done += 1
            print(f"[{self.done}/{self.total}] {event.step_key:<58} skipped (upstream failed)")


@dg.logger(description="One line per finished step with a counter; used by `make run`.")
def steps(init_context: dg.InitLoggerContext) -> logging.Logger:
    job = init_context.job_def
    total = len(job.graph.node_dict) if job is not None else 0
    logger = logging.Logger("ascn.steps", level=logging.DEBUG)
    logger.addHandler(_StepLines(total))
    return logger
