"""Plain-Python readers for the bundled reference and population files.

No Dagster here: the population assets call these functions and tests call them directly.

Conventions (see docs/ARCHITECTURE.md):
* A problem with a whole file (missing column, unreadable layout, bad registry) raises
  ``ValueError`` whose message names the file, the 1-based data row (header not counted)
  and the field.
* Row-level problems in an otherwise usable file are returned as a rejects frame with columns
  ``source_uri, row_number, field, value, reason``; the bad rows are left out of the result.
* City rows are conformed to registry ``city_id``s (``data/reference/cities.csv``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

REJECT_COLUMNS = ["source_uri", "row_number", "field", "value", "reason"]

CITY_COLUMNS = [
    "city_id",
    "name",
    "local_name",
    "country_iso3",
    "country_name",
    "lat",
    "lon",
    "joined_year",
    "admin_unit_type",
    "coord_source",
    "notes",
]
CENSUS_COLUMNS = [
    "city_id",
    "year",
    "population",
    "area_km2",
    "boundary_type",
    "unit_name",
    "figure_kind",
    "source_name",
    "source_url",
    "notes",
]
BOUNDARY_TYPES = frozenset(
    {
        "city_proper",
        "municipality",
        "regency",
        "prefecture",
        "province",
        "union_territory",
        "agglomeration",
        "urban_centre",
        "metro",
        "country",
    }
)
FIGURE_KINDS = frozenset({"census", "estimate", "registered", "projection", ""})

# WUP 2018 F22 does not flag estimates vs projections. The only hint in the bundled sources is
# OWID's derived chart, which shows 2020 onwards as "Projected"; the UN 2018 revision's base year
# could not be confirmed, so years after 2018 (the revision year) are flagged as projections.
WUP_LAST_NON_PROJECTED_YEAR = 2018

OWID_VINTAGES = {
    "owid_grapher_2020snapshot_asean_countries.csv": "OWID 2020-08 snapshot",
    "owid_grapher_2022_asean_countries.csv": "OWID snapshot of 2022 data (download date unknown)",
    "owid_grapher_2025_asean_countries.csv": "OWID 2025-11 download",
}
WB_API_FILE = "api_SP.POP.TOTL_2018-04-24.json"
WDI_CSV_FILE = "wdi_asean_countries_2018vintage.csv"


def _read_csv(path: Path | str) -> pd.DataFrame:
    """Read a CSV as text (no type guessing, empty cells stay empty strings)."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ValueError(f"{path}: cannot read CSV ({exc})") from exc


def _require(df: pd.DataFrame, columns: list[str], path: Path | str) -> None:
    """Raise ValueError naming the file and every missing column."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing required column(s) {', '.join(missing)}")


def _reject(path: Path | str, row: int, field: str, value: object, reason: str) -> dict:
    return {
        "source_uri": str(path),
        "row_number": row,
        "field": field,
        "value": "" if value is None else str(value),
        "reason": reason,
    }


def _rejects_frame(rejects: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rejects, columns=REJECT_COLUMNS).astype({"row_number": "int64"})


def _number(text: str) -> float | None:
    """Parse a plain decimal number; None if the text is not one."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if pd.notna(value) else None


def city_slug_id(name: str, iso3: str) -> str:
    """Registry id convention: lower-case ``iso3-slug``.

    Example: ``DKI Jakarta`` in IDN -> ``idn-dki-jakarta``.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return f"{iso3.lower()}-{slug}"


def city_name_index(cities: pd.DataFrame) -> dict[str, str]:
    """Map registry ``name`` to ``city_id`` (for sources that name ASCN cities)."""
    return dict(zip(cities["name"], cities["city_id"], strict=True))


def _match_city(
    name: str, iso3: str, city_ids: set[str], names: Mapping[str, str] | None
) -> str | None:
    city_id = names.get(name) if names is not None else city_slug_id(name, iso3)
    return city_id if city_id in city_ids else None


# --------------------------------------------------------------------------- cities


def read_cities(path: Path | str) -> pd.DataFrame:
    """Read and validate the city registry; any bad value raises ValueError.

    Checks: required columns, non-empty unique ``city_id``, ``country_iso3`` of three upper-case
    letters, ``lat`` in [-90, 90] and ``lon`` in [-180, 180]. Returns the registry with ``lat``,
    ``lon`` as float and ``joined_year`` as Int64.
    """
    df = _read_csv(path)
    _require(df, CITY_COLUMNS, path)
    seen: set[str] = set()
    for i, rec in enumerate(df.to_dict("records"), start=1):
        cid = rec["city_id"]
        if not cid or cid in seen:
            raise ValueError(f"{path}: row {i}, field city_id: empty or duplicate value {cid!r}")
        seen.add(cid)
        if not re.fullmatch(r"[A-Z]{3}", rec["country_iso3"]):
            raise ValueError(
                f"{path}: row {i}, field country_iso3: "
                f"{rec['country_iso3']!r} is not 3 upper-case letters"
            )
        for field, limit in (("lat", 90.0), ("lon", 180.0)):
            value = _number(rec[field])
            if value is None or not -limit <= value <= limit:
                raise ValueError(
                    f"{path}: row {i}, field {field}: {rec[field]!r} is not a "
                    f"number in [-{limit:g}, {limit:g}]"
                )
    out = df.copy()
    out["lat"] = out["lat"].astype(float)
    out["lon"] = out["lon"].astype(float)
    out["joined_year"] = pd.to_numeric(out["joined_year"], errors="coerce").astype("Int64")
    return out


# --------------------------------------------------------------------------- census figures


def _census_row_problems(rec: dict, city_ids: set[str]) -> list[tuple[str, str, str]]:
    """Return (field, value, reason) for each problem of one census row."""
    problems: list[tuple[str, str, str]] = []
    if rec["city_id"] not in city_ids:
        problems.append(("city_id", rec["city_id"], "unknown city_id"))
    pop = _number(rec["population"])
    if pop is None or pop < 0 or pop != int(pop):
        problems.append(
            ("population", rec["population"], "population is not a non-negative whole number")
        )
    if rec["year"]:
        year = _number(rec["year"])
        if year is None or year != int(year) or not 1900 <= year <= dt.date.today().year:
            problems.append(("year", rec["year"], "impossible year"))
    if rec["area_km2"] and ((a := _number(rec["area_km2"])) is None or a <= 0):
        problems.append(("area_km2", rec["area_km2"], "area is not a positive number"))
    if rec["boundary_type"] not in BOUNDARY_TYPES:
        problems.append(("boundary_type", rec["boundary_type"], "unknown boundary type"))
    if rec["figure_kind"] not in FIGURE_KINDS:
        problems.append(("figure_kind", rec["figure_kind"], "unknown figure kind"))
    return problems


def read_census_figures(path: Path | str, city_ids: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the curated published city population figures.

    Returns ``(rows, rejects)``. ``rows`` columns: city_id, year (Int64, may be missing when the
    source gives none), population (Int64, persons), area_km2 (float, NaN if not given),
    boundary_type, unit_name, figure_kind, source_id ('census_city'), source_name, source_url,
    notes, source_row (1-based data row).
    """
    df = _read_csv(path)
    _require(df, CENSUS_COLUMNS, path)
    rejects: list[dict] = []
    keep: list[int] = []
    for i, rec in enumerate(df.to_dict("records"), start=1):
        problems = _census_row_problems(rec, city_ids)
        rejects += [_reject(path, i, f, v, r) for f, v, r in problems]
        if not problems:
            keep.append(i - 1)
    rows = df.iloc[keep].copy()
    rows["source_row"] = [k + 1 for k in keep]
    rows["year"] = pd.to_numeric(rows["year"]).astype("Int64")
    rows["population"] = pd.to_numeric(rows["population"]).astype("Int64")
    rows["area_km2"] = pd.to_numeric(rows["area_km2"]).astype(float)
    rows["source_id"] = "census_city"
    columns = CENSUS_COLUMNS[:7] + ["source_id"] + CENSUS_COLUMNS[7:] + ["source_row"]
    return rows[columns].reset_index(drop=True), _rejects_frame(rejects)


# --------------------------------------------------------------------------- UN WUP 2018


def read_wup2018(
    path: Path | str, city_ids: set[str], names: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the WUP 2018 File 22 extract (thousands) into a long frame of persons.

    Rows are matched to registry ids by ``ascn_city`` (through ``names``, registry name ->
    city_id, or by default the ``iso3-slug`` id convention). Empty cells are skipped.
    Returns ``(rows, rejects)``; ``rows`` columns: city_id, year (int), population (float,
    persons = thousands * 1000), boundary_type ('agglomeration'), unit_name (Urban
    Agglomeration), source_id ('un_wup2018'), source_row, is_projection (year > 2018).
    """
    df = _read_csv(path)
    years = [c for c in df.columns if re.fullmatch(r"\d{4}", c) and 1950 <= int(c) <= 2035]
    _require(df, ["ascn_city", "ascn_country_iso3", "Urban Agglomeration"], path)
    if not years:
        raise ValueError(f"{path}: no year columns 1950-2035 found")
    out: list[dict] = []
    rejects: list[dict] = []
    for i, rec in enumerate(df.to_dict("records"), start=1):
        city_id = _match_city(rec["ascn_city"], rec["ascn_country_iso3"], city_ids, names)
        if city_id is None:
            rejects.append(_reject(path, i, "ascn_city", rec["ascn_city"], "unknown city"))
            continue
        for year in years:
            text = rec[year].strip()
            if not text:
                continue
            value = _number(text)
            if value is None or value < 0:
                rejects.append(_reject(path, i, year, text, "not a non-negative number"))
                continue
            out.append(
                {
                    "city_id": city_id,
                    "year": int(year),
                    "population": value * 1000.0,
                    "boundary_type": "agglomeration",
                    "unit_name": rec["Urban Agglomeration"],
                    "source_id": "un_wup2018",
                    "source_row": i,
                    "is_projection": int(year) > WUP_LAST_NON_PROJECTED_YEAR,
                }
            )
    columns = [
        "city_id",
        "year",
        "population",
        "boundary_type",
        "unit_name",
        "source_id",
        "source_row",
        "is_projection",
    ]
    return pd.DataFrame(out, columns=columns), _rejects_frame(rejects)


# --------------------------------------------------------------------------- GHSL UCDB 2015

GHSL_FIELDS = {"resident_pop": "population", "area": "area_km2", "built_up_area": "built_up_km2"}


def read_ghsl_urban_centres(
    path: Path | str, city_ids: set[str], names: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read GHSL UCDB 2015 urban-centre attributes (Boeing extract) for ASCN cities.

    Returns ``(rows, rejects)``; ``rows`` columns: city_id, uc_id (int), year (2015),
    population (float, resident_pop), area_km2 (float, area), built_up_km2 (float,
    built_up_area), boundary_type ('urban_centre'), unit_name (uc_names), source_id
    ('ghsl_ucdb2015'), source_row.
    """
    df = _read_csv(path)
    _require(df, ["ascn_city", "ascn_country_iso3", "uc_id", "uc_names", *GHSL_FIELDS], path)
    out: list[dict] = []
    rejects: list[dict] = []
    for i, rec in enumerate(df.to_dict("records"), start=1):
        city_id = _match_city(rec["ascn_city"], rec["ascn_country_iso3"], city_ids, names)
        problems = [] if city_id else [("ascn_city", rec["ascn_city"], "unknown city")]
        values = {f: _number(rec[f]) for f in ["uc_id", *GHSL_FIELDS]}
        problems += [
            (f, rec[f], "not a non-negative number")
            for f, v in values.items()
            if v is None or v < 0
        ]
        rejects += [_reject(path, i, f, v, r) for f, v, r in problems]
        if problems:
            continue
        row = {"city_id": city_id, "uc_id": int(values["uc_id"]), "year": 2015}
        row |= {new: values[old] for old, new in GHSL_FIELDS.items()}
        row |= {
            "boundary_type": "urban_centre",
            "unit_name": rec["uc_names"],
            "source_id": "ghsl_ucdb2015",
            "source_row": i,
        }
        out.append(row)
    columns = [
        "city_id",
        "uc_id",
        "year",
        "population",
        "area_km2",
        "built_up_km2",
        "boundary_type",
        "unit_name",
        "source_id",
        "source_row",
    ]
    return pd.DataFrame(out, columns=columns), _rejects_frame(rejects)


# --------------------------------------------------------------------------- national series

NATIONAL_COLUMNS = ["country_iso3", "indicator_code", "year", "value", "vintage", "source_file"]


def _read_wb_api(path: Path) -> pd.DataFrame:
    """World Bank API v2 indicator response ``[meta, records]`` to the long layout."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot read JSON ({exc})") from exc
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[1], list)):
        raise ValueError(
            f"{path}: not a [meta, records] World Bank API response: {str(payload)[:200]}"
        )
    vintage = payload[0].get("lastupdated", "")
    rows = []
    for i, rec in enumerate(payload[1], start=1):
        try:
            iso3, code, date = rec["countryiso3code"], rec["indicator"]["id"], rec["date"]
            value = rec["value"]
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{path}: record {i}, field {exc}: missing") from exc
        if iso3 and value is not None:
            rows.append((iso3, code, _year(date, path, i, "date"), float(value)))
    out = pd.DataFrame(rows, columns=NATIONAL_COLUMNS[:4])
    return out.assign(vintage=vintage, source_file=path.name)


def _year(text: str, path: Path, row: int, field: str) -> int:
    if not re.fullmatch(r"\d{4}", str(text)):
        raise ValueError(f"{path}: row {row}, field {field}: {text!r} is not a year")
    return int(text)


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
    df = _read_csv(path)
    _require(df, ["source_last_updated", "Country Code", "Indicator Code"], path)
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
    df = _read_csv(path)
    _require(df, ["Code", "Year", "source_value_column", "value"], path)
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


def read_national_snapshot(
    worldbank_dir: Path | str, catalogue_path: Path | str | None = None
) -> pd.DataFrame:
    """Combine the bundled national series into one long frame.

    Sources: the World Bank API JSON (vintage = its ``lastupdated``), the WDI 2018-vintage CSV
    (vintage = ``source_last_updated``) and the OWID files listed in
    ``data/catalogue/national_series.csv`` (only mapped value columns). Rows with an empty value
    are dropped. The same (country, code, year) may appear in several files; all rows are kept
    and ``vintage`` tells them apart. Columns: country_iso3, indicator_code, year (int),
    value (float), vintage, source_file.
    """
    wb_dir = Path(worldbank_dir)
    cat = (
        Path(catalogue_path)
        if catalogue_path
        else wb_dir.parents[1] / "catalogue" / "national_series.csv"
    )
    series = _read_csv(cat)
    _require(series, ["indicator_code", "owid_source_file", "owid_value_column"], cat)
    frames = [_read_wb_api(wb_dir / WB_API_FILE), _read_wdi_csv(wb_dir / WDI_CSV_FILE)]
    owid = series[series["owid_source_file"] != ""]
    for name, group in owid.groupby("owid_source_file"):
        frames.append(_read_owid(wb_dir / name, group))
    out = pd.concat(frames, ignore_index=True)
    return out[NATIONAL_COLUMNS].sort_values(NATIONAL_COLUMNS[:3], kind="stable", ignore_index=True)
