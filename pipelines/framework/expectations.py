"""Great Expectations 1.x suites, built in code and run on pandas frames (no GX project folder).

GX's SQL path does not support DuckDB, so the checks pull a table into pandas and validate the
frame. Importing GX costs seconds, so it happens once per process (`gx()`), and one ephemeral
context serves every validation of the process. `make run` validates in a worker process that
imports GX on the other core while the run does its first steps (`gx_worker.py`); everywhere
else (tests, UI-launched runs) the validation runs here.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any, Protocol

import pandas as pd

SuiteSpec = list[tuple[str, dict[str, Any]]]  # (expectation class name, its arguments)

#: GX imports these at import time for expectations this project never uses (KL divergence, KS
#: tests); they load on first use instead (about a third of the GX import).
DEFERRED = ("scipy.stats",)
#: per expectation: success, unexpected_count and partial_unexpected_list (what `summarize`
#: reports), without SUMMARY's value counts and index lists (each a pass over the frame).
RESULT_FORMAT = "BASIC"

_import_lock = threading.Lock()
_validate_lock = threading.Lock()  # one validation at a time on the shared data source
_state: dict[str, Any] = {}


class Validator(Protocol):
    def validate(self, frame: pd.DataFrame, name: str, spec: SuiteSpec) -> tuple[bool, dict]: ...


def use_worker(worker: Validator | None) -> None:
    """Send this process's validations to `worker` (`gx_worker.worker()`); None: validate here."""
    _state["worker"] = worker


def _defer(name: str) -> None:
    """Put a lazy module in sys.modules: its code runs on its first attribute access."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)


def gx() -> ModuleType:
    """The `great_expectations` module, imported once per process; and its one context."""
    with _import_lock:
        if "gx" not in _state:
            os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
            for name in DEFERRED:
                _defer(name)
            import great_expectations
            from great_expectations.data_context.types.base import ProgressBarsConfig

            context = great_expectations.get_context(mode="ephemeral")
            # GX draws a progress bar per validation (TQDM_DISABLE does not reach it): off.
            context.variables.progress_bars = ProgressBarsConfig(globally=False)
            _state["frames"] = context.data_sources.add_pandas(name="frames")
            _state["gx"] = great_expectations
        return _state["gx"]


def validate_here(frame: pd.DataFrame, name: str, spec: SuiteSpec) -> tuple[bool, dict]:
    """Validate `frame` against `spec` in this process; return (success, JSON result)."""
    module = gx()
    frames = _state["frames"]
    with _validate_lock:
        if name in {asset.name for asset in frames.assets}:
            frames.delete_asset(name)
        asset = frames.add_dataframe_asset(name=name)
        batch = asset.add_batch_definition_whole_dataframe(f"{name}_batch").get_batch(
            batch_parameters={"dataframe": frame}
        )
        suite = module.ExpectationSuite(name=f"{name}_suite")
        for expectation, kwargs in spec:
            suite.add_expectation(getattr(module.expectations, expectation)(**kwargs))
        try:
            result = batch.validate(suite, result_format=RESULT_FORMAT)
        finally:
            frames.delete_asset(name)
    return bool(result.success), result.to_json_dict()


def validate_frame(frame: pd.DataFrame, name: str, spec: SuiteSpec) -> tuple[bool, dict]:
    """Validate `frame` against the expectations in `spec`; return (success, JSON result).

    In the run's GX worker when one is running, else in this process (same code, same result)."""
    worker = _state.get("worker")
    if worker is not None:
        return worker.validate(frame, name, spec)
    return validate_here(frame, name, spec)


def warm_up() -> None:
    """Import GX and run one small validation of each kind the suites use (GX builds its metric
    registry on the first validation: ~0.5 s), so the first real check does not pay for it."""
    frame = pd.DataFrame({"k": ["a", "b"], "v": [1.0, 2.0]})
    validate_here(
        frame,
        "warm_up",
        [
            not_null("k"),
            in_set("k", ["a", "b"]),
            between("v", 0, 3),
            ("ExpectColumnValuesToBeBetween", between("v", 0, 3)[1] | _where('k == "a"')),
        ],
    )


def _where(condition: str) -> dict[str, str]:
    return {"row_condition": condition, "condition_parser": "pandas"}


def summarize(result: dict) -> list[dict[str, Any]]:
    """One line per failed expectation, for Dagster metadata and log messages."""
    failed = []
    for r in result.get("results", []):
        if r.get("success"):
            continue
        config = r.get("expectation_config", {})
        res = r.get("result", {})
        failed.append(
            {
                "expectation": config.get("type"),
                "column": config.get("kwargs", {}).get("column"),
                "unexpected_count": res.get("unexpected_count"),
                "sample": [str(v) for v in (res.get("partial_unexpected_list") or [])[:5]],
            }
        )
    return failed


def between(column: str, low: float, high: float, mostly: float = 1.0) -> tuple[str, dict]:
    kwargs: dict[str, Any] = {"column": column, "min_value": low, "max_value": high}
    if mostly < 1.0:
        kwargs["mostly"] = mostly
    return ("ExpectColumnValuesToBeBetween", kwargs)


def in_set(column: str, values: list[str]) -> tuple[str, dict]:
    return ("ExpectColumnValuesToBeInSet", {"column": column, "value_set": values})


def not_null(column: str) -> tuple[str, dict]:
    return ("ExpectColumnValuesToNotBeNull", {"column": column})


SpecBuilder = Callable[[], SuiteSpec]
