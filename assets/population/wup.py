"""UN World Urbanization Prospects 2018, File 22: agglomerations of 300,000 or more (thousands).

File: ``data/sources/population/un_wup2018_f22_ascn_cities.csv``, the F22 rows of the ASCN
cities, each named by ``ascn_city`` and ``ascn_country_iso3`` and matched to the registry with
`assets.reference.cities.CityMatcher.id_for`. A row of an unknown city, or a bad value, becomes
a reject; a missing column raises ``ValueError`` naming the file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from assets.reference.cities import CityMatcher
from pipelines.framework.csv_text import read_csv_text, require_columns, to_number
from pipelines.framework.rejects import reject, rejects_frame
from warehouse.db import TableDoc

# WUP 2018 F22 does not flag estimates vs projections. The only hint in the bundled sources is
# OWID's derived chart, which shows 2020 onwards as "Projected"; the UN 2018 revision's base year
# could not be confirmed, so years after 2018 (the revision year) are flagged as projections.
WUP_LAST_NON_PROJECTED_YEAR = 2018
WUP_COLUMNS = [
    "city_id",
    "year",
    "population",
    "boundary_type",
    "unit_name",
    "source_id",
    "source_row",
    "is_projection",
]
#: raw.wup2018_population (the source_* and lineage columns: warehouse.db)
WUP_DOC = TableDoc(
    "UN World Urbanization Prospects 2018, File 22: population of the urban agglomerations of "
    "the pilot cities, one row per city and year (1950-2035; empty cells skipped).",
    {
        "city_id": "Registry city id the agglomeration is matched to",
        "year": "Year of the figure",
        "population": "Population of the agglomeration (persons: the file's thousands x 1000)",
        "boundary_type": "Boundary type: agglomeration",
        "unit_name": "The agglomeration's name in WUP (Urban Agglomeration)",
        "source_id": "Source id: un_wup2018",
        "is_projection": "True for years after 2018 (the revision year): projections, never used "
        "as observed values",
    },
)


def read_wup2018(path: Path | str, matcher: CityMatcher) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the WUP 2018 File 22 extract (thousands) into a long frame of persons.

    Empty cells are skipped. Returns ``(rows, rejects)``; ``rows`` columns: city_id, year (int),
    population (float, persons = thousands * 1000), boundary_type ('agglomeration'), unit_name
    (Urban Agglomeration), source_id ('un_wup2018'), source_row, is_projection (year > 2018).
    """
    df = read_csv_text(path)
    years = [c for c in df.columns if re.fullmatch(r"\d{4}", c) and 1950 <= int(c) <= 2035]
    require_columns(df, ["ascn_city", "ascn_country_iso3", "Urban Agglomeration"], path)
    if not years:
        raise ValueError(f"{path}: no year columns 1950-2035 found")
    out: list[dict] = []
    rejects: list[dict] = []
    for i, rec in enumerate(df.to_dict("records"), start=1):
        city_id = matcher.id_for(rec["ascn_city"], rec["ascn_country_iso3"])
        if city_id is None:
            rejects.append(reject(path, i, "ascn_city", rec["ascn_city"], "unknown city"))
            continue
        for year in years:
            text = rec[year].strip()
            if not text:
                continue
            value = to_number(text)
            if value is None or value < 0:
                rejects.append(reject(path, i, year, text, "not a non-negative number"))
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
    return pd.DataFrame(out, columns=WUP_COLUMNS), rejects_frame(rejects)
