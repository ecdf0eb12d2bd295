"""GHSL Urban Centre Database 2015 (R2019A): resident population and areas per urban centre.

File: ``data/sources/ghsl/ghsl_ucdb2015_via_boeing_street_network_indicators_ascn.csv`` (the
Boeing street-network extract, one row per ASCN city that has an urban centre), matched to the
registry with `assets.reference.cities.CityMatcher.id_for`. An unknown city or a bad number
becomes a reject; a missing column raises ``ValueError`` naming the file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assets.reference.cities import CityMatcher
from pipelines.framework.csv_text import read_csv_text, require_columns, to_number
from pipelines.framework.rejects import reject, rejects_frame
from warehouse.db import TableDoc

#: source column -> our column
GHSL_FIELDS = {"resident_pop": "population", "area": "area_km2", "built_up_area": "built_up_km2"}
GHSL_COLUMNS = [
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
#: raw.ghsl_urban_centres (the source_* and lineage columns: warehouse.db)
GHSL_DOC = TableDoc(
    "GHSL Urban Centre Database 2015 (R2019A v1.2) attributes of the urban centres of the pilot "
    "cities: one row per city and urban centre (year 2015).",
    {
        "city_id": "Registry city id the urban centre is matched to",
        "uc_id": "GHSL urban centre id",
        "year": "Year of the figures: 2015",
        "population": "Resident population of the urban centre (GHSL resident_pop, modelled)",
        "area_km2": "Area of the urban centre (km2, GHSL area)",
        "built_up_km2": "Built-up area of the urban centre (km2, GHSL built_up_area)",
        "boundary_type": "Boundary type: urban_centre",
        "unit_name": "The urban centre's name(s) in GHSL (uc_names)",
        "source_id": "Source id: ghsl_ucdb2015",
    },
)


def read_ghsl_urban_centres(
    path: Path | str, matcher: CityMatcher
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read GHSL UCDB 2015 urban-centre attributes for ASCN cities.

    Returns ``(rows, rejects)``; ``rows`` columns: city_id, uc_id (int), year (2015),
    population (float, resident_pop), area_km2 (float, area), built_up_km2 (float,
    built_up_area), boundary_type ('urban_centre'), unit_name (uc_names), source_id
    ('ghsl_ucdb2015'), source_row.
    """
    df = read_csv_text(path)
    require_columns(df, ["ascn_city", "ascn_country_iso3", "uc_id", "uc_names", *GHSL_FIELDS], path)
    out: list[dict] = []
    rejects: list[dict] = []
    for i, rec in enumerate(df.to_dict("records"), start=1):
        city_id = matcher.id_for(rec["ascn_city"], rec["ascn_country_iso3"])
        problems = [] if city_id else [("ascn_city", rec["ascn_city"], "unknown city")]
        values = {f: to_number(rec[f]) for f in ["uc_id", *GHSL_FIELDS]}
        problems += [
            (f, rec[f], "not a non-negative number")
            for f, v in values.items()
            if v is None or v < 0
        ]
        rejects += [reject(path, i, f, v, r) for f, v, r in problems]
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
    return pd.DataFrame(out, columns=GHSL_COLUMNS), rejects_frame(rejects)
