"""The `steps` logger: one line per finished step with a counter, for `make run`.

Dagster's console logger prints every event at DEBUG (about 150 lines a run); `make run` asks for
this logger instead (run config `{"loggers": {"steps": {}}}`). Runs from the UI keep the default.
"""

from __future__ import annotations

import logging

import dagster as dg

NOT_RUN = "Not executing."  # Dagster's warning for a step whose upstream failed


def first_error_line(event: dg.DagsterEvent) -> str:
    """The innermost non-Dagster error of a failure, one line ("ValueError: cities.csv: row 2, field
    lat: 'abc' is not a number"): what a person needs first, before any stack trace."""
    error = getattr(event.event_specific_data, "error", None)
    while error is not None and error.cls_name.startswith("Dagster") and error.cause is not None:
        error = error.cause
    if error is None:
        return event.message or ""
    line = error.message.strip().splitlines()[0]
    return line if line.startswith(error.cls_name) else f"{error.cls_name}: {line}"


class _StepLines(logging.Handler):
    """One line per finished step ("[3/24] raw__cities ok"), a failure's one-line cause where it
    happens, every warning; steps not run because an upstream failed are left to the summary."""

    def __init__(self, total: int):
        super().__init__(level=logging.DEBUG)  # step events are DEBUG records
        self.total, self.done = total, 0

    def _line(self, step: str, outcome: str) -> None:
        self.done += 1
        counter = f"[{self.done:>{len(str(self.total))}}/{self.total}]"
        print(f"{counter} {step:<58} {outcome}")

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", {}) or {}
        event: dg.DagsterEvent | None = meta.get("dagster_event")
        message = str(meta.get("orig_message") or "")
        if event is None:
            if NOT_RUN not in message and record.levelno >= logging.WARNING:
                print(f"      warning ({meta.get('step_key') or 'run'}): {message}")
            return
        kind = event.event_type
        if kind == dg.DagsterEventType.STEP_SUCCESS:
            self._line(event.step_key or "", "ok")
        elif kind == dg.DagsterEventType.STEP_FAILURE:
            self._line(event.step_key or "", f"FAILED: {first_error_line(event)}")


@dg.logger(description="One line per finished step with a counter; used by `make run`.")
def steps(init_context: dg.InitLoggerContext) -> logging.Logger:
    job = init_context.job_def
    total = len(job.graph.node_dict) if job is not None else 0
    logger = logging.Logger("ascn.steps", level=logging.DEBUG)
    logger.addHandler(_StepLines(total))
    return logger
