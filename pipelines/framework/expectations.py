"""Great Expectations 1.x suites, built in code and run on pandas frames (no GX project folder).

GX's SQL path does not support DuckDB, so the checks pull a table into pandas and validate the
frame. GX is imported inside the functions: it takes seconds to import.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pandas as pd

SuiteSpec = list[tuple[str, dict[str, Any]]]  # (expectation class name, its arguments)


def validate_frame(frame: pd.DataFrame, name: str, spec: SuiteSpec) -> tuple[bool, dict]:
    """Validate `frame` against the expectations in `spec`; return (success, JSON result)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # GX draws a progress bar per validation (TQDM_DISABLE does not reach it): off in run logs.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas(name=f"{name}_source")
        .add_dataframe_asset(name=name)
        .add_batch_definition_whole_dataframe(f"{name}_batch")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    suite = gx.ExpectationSuite(name=f"{name}_suite")
    for expectation, kwargs in spec:
        suite.add_expectation(getattr(gx.expectations, expectation)(**kwargs))
    result = batch.validate(suite)
    return bool(result.success), result.to_json_dict()


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
