"""The one reject record: a row a reader refused, with the file, row, field and reason.

Readers collect `reject(...)` dicts and return `rejects_frame(...)`; the landing step writes them
to `quarantine.rejected_rows` (see `warehouse.db.quarantine`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

REJECT_COLUMNS = ["source_uri", "row_number", "field", "value", "reason"]


def reject(path: Path | str, row: int, field: str, value: Any, reason: str) -> dict[str, Any]:
    """One refused value: where it is (file, 1-based row, field), what it was and why."""
    return {
        "source_uri": str(path),
        "row_number": row,
        "field": field,
        "value": "" if value is None else str(value),
        "reason": reason,
    }


def rejects_frame(rejects: Iterable[dict[str, Any]] = ()) -> pd.DataFrame:
    """The rejects as a frame with exactly REJECT_COLUMNS (empty frame when none)."""
    rows = list(rejects)
    extra = sorted({k for r in rows for k in r} - set(REJECT_COLUMNS))
    frame = pd.DataFrame(rows, columns=REJECT_COLUMNS + extra)
    return frame.astype({"row_number": "int64"}) if rows else frame


NO_REJECTS = rejects_frame()
