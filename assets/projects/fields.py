"""Reading single cells of project records: blanks, text, lists, amounts, dates, focus areas.

Each parser returns ``(value, problem)``: the problem is the reject reason of
docs/PROJECT_REGISTER.md (``not_a_number``, ``bad_date``, ...), or None. Empty is missing
(None), never zero.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd

MAX_AMOUNT = 1e12
MIN_YEAR = 1950
MAX_YEARS_AHEAD = 30

ISO3_CODE = re.compile(r"^[A-Z]{3}$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_THOUSANDS_NUMBER = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def clean_text(value: Any) -> str | None:
    """Trimmed, NFC-normalised text; None for a blank cell (a whole float is written as int)."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value).strip())


def as_list(value: Any) -> list[Any]:
    """A list-like cell as a list: a ``;``-separated text is split, a scalar is wrapped."""
    if value is None:
        return []
    if isinstance(value, float) and math.isnan(value):
        return []
    if isinstance(value, str):
        return [p.strip() for p in value.split(";") if p.strip()]
    if isinstance(value, dict):
        return [value]
    try:
        return [v for v in list(value) if not is_blank(v)]
    except TypeError:
        return [value]


def split_list(value: Any) -> list[str]:
    """A ``;``-separated text cell as its non-empty parts."""
    text = clean_text(value)
    return [p.strip() for p in text.split(";") if p.strip()] if text else []


def empty_frame(columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def parse_amount(value: Any) -> tuple[float | None, str | None]:
    """(amount, problem). Empty is missing (None), never zero."""
    if is_blank(value):
        return None, None
    if isinstance(value, bool):
        return None, "not_a_number"
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if _THOUSANDS_NUMBER.match(text):
            text = text.replace(",", "")
        if not _PLAIN_NUMBER.match(text):
            return None, "not_a_number"
        number = float(text)
    if math.isnan(number) or math.isinf(number):
        return None, "not_a_number"
    if number < 0:
        return None, "negative_amount"
    if number > MAX_AMOUNT:
        return None, "amount_too_large"
    return number, None


def parse_date(value: Any, today: date | None = None) -> tuple[date | None, str | None]:
    """(date, problem) for an ISO YYYY-MM-DD text or a spreadsheet date cell."""
    if is_blank(value):
        return None, None
    today = today or date.today()
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    else:
        text = str(value).strip()
        if "T" in text and _ISO_DATE.match(text.split("T")[0]):
            text = text.split("T")[0]
        m = _ISO_DATE.match(text)
        if not m:
            return None, "bad_date"
        try:
            parsed = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None, "impossible_date"
    if parsed.year < MIN_YEAR or parsed.year > today.year + MAX_YEARS_AHEAD:
        return None, "implausible_year"
    return parsed, None


def date_or_none(value: Any) -> date | None:
    parsed, _ = parse_date(value)
    return parsed


def _focus_key(text: str) -> str:
    return re.sub(r"\s+", " ", text.casefold().replace("&", "and").replace("-", " ")).strip()


def resolve_focus_area(value: Any, focus_areas: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(focus_area_id, problem): a cell naming a focus area by id ("built_infrastructure"),
    id with spaces or display name ("Built Infrastructure"), case, '&'/'and' and '-' ignored.

    `focus_areas`: id -> display name (`assets.reference.vocabularies.focus_areas`)."""
    text = clean_text(value)
    if not text:
        return None, None
    key = _focus_key(text)
    for fid, display in focus_areas.items():
        if key in {fid, fid.replace("_", " "), _focus_key(display)}:
            return fid, None
    return None, "unknown_focus_area"
