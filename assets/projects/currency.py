"""Currencies: the ISO 4217 code list and the conversion of project costs to US dollars.

A rate is never guessed: only the exact (currency, year) row of the rates table
(data/reference/fx_rates_usd.csv: currency, year, units_per_usd, source) is used.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from assets.projects.fields import clean_text, is_blank, parse_amount


def load_currencies(path: Path) -> frozenset[str]:
    """ISO 4217 alphabetic codes from the bundled list (data/reference/iso4217_currencies.csv)."""
    return frozenset(pd.read_csv(path, dtype=str)["code"].str.strip())


class UsdConversion(NamedTuple):
    """(usd, rate, rate_year, rate_source). When usd is None, rate_source holds the reason:
    'no_amount', 'no_currency', 'no_year' or 'no_rate'. A rate is never guessed: only the exact
    (currency, year) row of the rates table is used."""

    usd: float | None
    rate: float | None
    rate_year: int | None
    rate_source: str | None

    @property
    def reason(self) -> str | None:
        return self.rate_source if self.usd is None else None


def to_usd(amount: Any, currency: Any, year: Any, rates: pd.DataFrame) -> UsdConversion:
    """Convert amount in currency to US$ with the period-average rate of `year`.

    rates: currency, year, units_per_usd, source (LCU per US$, e.g. World Bank PA.NUS.FCRF)."""
    value, problem = parse_amount(amount)
    if value is None:
        return UsdConversion(None, None, None, "no_amount" if not problem else problem)
    code = (clean_text(currency) or "").upper()
    if not code:
        return UsdConversion(None, None, None, "no_currency")
    if code == "USD":
        return UsdConversion(value, 1.0, int(year) if not is_blank(year) else None, "identity")
    if is_blank(year):
        return UsdConversion(None, None, None, "no_year")
    year = int(year)
    if rates is None or rates.empty:
        return UsdConversion(None, None, None, "no_rate")
    hit = rates[
        (rates["currency"].astype(str).str.upper() == code)
        & (pd.to_numeric(rates["year"], errors="coerce") == year)
    ]
    if hit.empty:
        return UsdConversion(None, None, None, "no_rate")
    rate = float(hit.iloc[0]["units_per_usd"])
    if not rate > 0:
        return UsdConversion(None, None, None, "no_rate")
    return UsdConversion(value / rate, rate, year, str(hit.iloc[0]["source"]))


def add_usd(conformed: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    """Add cost_usd, fx_rate, fx_rate_year, fx_rate_source, fx_flag (the reason when cost_usd
    is missing). The rate year is the start_date year."""
    out = conformed.copy()
    results = [
        to_usd(
            r.get("cost"),
            r.get("currency"),
            r["start_date"].year if isinstance(r.get("start_date"), date) else None,
            rates,
        )
        for r in out.to_dict("records")
    ]
    out["cost_usd"] = [c.usd for c in results]
    out["fx_rate"] = [c.rate for c in results]
    out["fx_rate_year"] = [c.rate_year for c in results]
    out["fx_rate_source"] = [c.rate_source if c.usd is not None else None for c in results]
    out["fx_flag"] = [c.reason for c in results]
    return out
