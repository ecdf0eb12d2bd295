"""Reading bundled CSV files as text, with errors that name the file and field.

Every reader of a bundled CSV uses these helpers, so a file problem is reported the same way
everywhere: ``ValueError`` whose message starts with the file path.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import pandas as pd


def read_csv_text(path: Path | str) -> pd.DataFrame:
    """Read a CSV as text (no type guessing, empty cells stay empty strings)."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ValueError(f"{path}: cannot read CSV ({exc})") from exc


def csv_rows(path: Path) -> list[dict[str, str]]:
    """A CSV as dicts of text (a UTF-8 byte-order mark is dropped)."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def require_columns(df: pd.DataFrame, columns: list[str], path: Path | str) -> None:
    """Raise ValueError naming the file and every missing column."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing required column(s) {', '.join(missing)}")


def to_number(value: Any) -> float | None:
    """A cell as float; None for empty, non-numeric or NaN cells (missing stays missing)."""
    try:
        f = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f
