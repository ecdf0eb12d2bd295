"""Reading the bundled population CSV files as text, with errors that name the file and field.

Every reader of this family uses these three helpers, so a file problem is reported the same way
everywhere: ``ValueError`` whose message starts with the file path.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def read_csv_text(path: Path | str) -> pd.DataFrame:
    """Read a CSV as text (no type guessing, empty cells stay empty strings)."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ValueError(f"{path}: cannot read CSV ({exc})") from exc


def require_columns(df: pd.DataFrame, columns: list[str], path: Path | str) -> None:
    """Raise ValueError naming the file and every missing column."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing required column(s) {', '.join(missing)}")


def number(text: str) -> float | None:
    """Parse a plain decimal number; None if the text is not one."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if pd.notna(value) else None
