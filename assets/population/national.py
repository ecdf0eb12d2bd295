"""The bundled national series snapshot: World Bank API file, WDI bulk CSV and OWID extracts.

Folder: ``data/sources/worldbank/``; which OWID file and column holds which series is in
``data/catalogue/national_series.csv``. The API file goes through the live client's page parser
(`assets.population.worldbank_api.parse_page`), so a bundled answer and a live one are read by
the same rules. Any problem raises ``ValueError`` naming the file, the 1-based row and the field.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from assets.population.worldbank_api import parse_page
from pipelines.framework.csv_text import read_csv_text, require_columns
from pipelines.framework.http import SourceError
from warehouse.db import TableDoc

NATIONAL_COLUMNS = ["country_iso3", "indicator_code", "year", "value", "vintage", "source_file"]
#: raw.worldbank_indicators, bundled or live (the source_file and lineage columns: warehouse.db)
WORLDBANK_DOC = TableDoc(
    "National series of the 10 ASEAN countries: World Bank Indicators (the API, or offline the "
    "bundled API answer, WDI bulk CSV and OWID extracts of data/sources/worldbank/), one row per "
    "country, series, year and file or vintage.",
    {
        "country_iso3": "ISO3 country code",
        "indicator_code": "World Bank series code (e.g. SP.POP.TOTL)",
        "year": "Year of the value",
        "value": "Value as published (null: not published)",
        "value_flag": "not_published where a live API answer has a null value, else null (the "
        "bundled readers keep published values only)",
        "vintage": "Vintage: the World Bank lastupdated date (API answer, WDI file) or the OWID "
        "snapshot",
    },
)
OWID_VINTAGES = {
    "owid_grapher_2020snapshot_asean_countries.csv": "OWID 2020-08 snapshot",
    "owid_grapher_2022_asean_countries.csv": "OWID snapshot of 2022 data (download date unknown)",
    "owid_grapher_2025_asean_countries.csv": "OWID 2025-11 download",
}
#: the saved API answer: ``{base}/country/all/indicator/SP.POP.TOTL`` of 2018-04-24
WB_API_FILE = "api_SP.POP.TOTL_2018-04-24.json"
WB_API_INDICATOR = "SP.POP.TOTL"
WDI_CSV_FILE = "wdi_asean_countries_2018vintage.csv"


def _read_wb_api_file(path: Path) -> pd.DataFrame:
    """The saved API answer ``[meta, records]`` to the long layout, through `parse_page`.

    The file keeps the ASEAN records of an all-countries answer, so its ``total`` counts more
    rows than it holds: the whole-series paging checks of the client do not apply to it.
    """
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read JSON ({exc})") from exc
    try:
        page = parse_page(payload, WB_API_INDICATOR, str(path))
    except SourceError as exc:
        raise ValueError(f"{path}: {exc.detail}") from exc
    # Rows without a value say nothing (staging drops them too).
    out = page.records.dropna(subset=["value"]).reset_index(drop=True)
    return out.assign(source_file=path.name)


def _to_float(series: pd.Series, rows: pd.Series, path: Path, field: str) -> pd.Series:
    """Convert text to float, raising ValueError naming the first bad (1-based data) row."""
    values = pd.to_numeric(series, errors="coerce")
    bad = values.isna()
    if bad.any():
        row = int(rows[bad].iloc[0])
        raise ValueError(
            f"{path}: row {row}, field {field}: {series[bad].iloc[0]!r} is not a number"
        )
    return values.astype(float)


def _read_wdi_csv(path: Path) -> pd.DataFrame:
    """WDI bulk-CSV rows (wide years) to the long layout; empty cells are dropped."""
    df = read_csv_text(path)
    require_columns(df, ["source_last_updated", "Country Code", "Indicator Code"], path)
    years = [c for c in df.columns if re.fullmatch(r"\d{4}", c)]
    df["_row"] = range(1, len(df) + 1)
    long = df.melt(
        id_vars=["Country Code", "Indicator Code", "source_last_updated", "_row"],
        value_vars=years,
        var_name="year",
        value_name="value",
    )
    long = long[long["value"].str.strip() != ""]
    return pd.DataFrame(
        {
            "country_iso3": long["Country Code"],
            "indicator_code": long["Indicator Code"],
            "year": long["year"].astype(int),
            "value": _to_float(long["value"], long["_row"], path, "value"),
            "vintage": long["source_last_updated"],
            "source_file": path.name,
        }
    )


def _read_owid(path: Path, series: pd.DataFrame) -> pd.DataFrame:
    """OWID long extract, keeping only value columns mapped in the national catalogue."""
    df = read_csv_text(path)
    require_columns(df, ["Code", "Year", "source_value_column", "value"], path)
    codes = dict(zip(series["owid_value_column"], series["indicator_code"], strict=True))
    df = df[df["source_value_column"].isin(codes) & (df["value"].str.strip() != "")]
    for i in df.index[~df["Year"].str.fullmatch(r"\d{4}")][:1]:
        raise ValueError(f"{path}: row {i + 1}, field Year: {df.at[i, 'Year']!r} is not a year")
    return pd.DataFrame(
        {
            "country_iso3": df["Code"],
            "indicator_code": df["source_value_column"].map(codes),
            "year": df["Year"].astype(int),
            "value": _to_float(df["value"], df.index.to_series() + 1, path, "value"),
            "vintage": OWID_VINTAGES.get(path.name, path.name),
            "source_file": path.name,
        }
    )


def read_national_snapshot(worldbank_dir: Path | str, catalogue_path: Path | str) -> pd.DataFrame:
    """Combine the bundled national series into one long frame.

    Sources: the World Bank API file (vintage = its ``lastupdated``), the WDI 2018-vintage CSV
    (vintage = ``source_last_updated``) and the OWID files listed in the national series
    catalogue at `catalogue_path` (only mapped value columns). Rows with an empty value are
    dropped. The same (country, code, year) may appear in several files; all rows are kept and
    ``vintage`` tells them apart. Columns: country_iso3, indicator_code, year (int), value
    (float), vintage, source_file.
    """
    wb_dir, cat = Path(worldbank_dir), Path(catalogue_path)
    series = read_csv_text(cat)
    require_columns(series, ["indicator_code", "owid_source_file", "owid_value_column"], cat)
    frames = [_read_wb_api_file(wb_dir / WB_API_FILE), _read_wdi_csv(wb_dir / WDI_CSV_FILE)]
    owid = series[series["owid_source_file"] != ""]
    for name, group in owid.groupby("owid_source_file"):
        frames.append(_read_owid(wb_dir / name, group))
    out = pd.concat(frames, ignore_index=True)
    return out[NATIONAL_COLUMNS].sort_values(NATIONAL_COLUMNS[:3], kind="stable", ignore_index=True)
