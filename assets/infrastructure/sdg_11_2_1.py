"""Bundled SDG 11.2.1 (UN SDG Global Database series SP_TRN_PUBL via 360info): share of the
population with convenient access to public transport, per ASCN city and year."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from assets.infrastructure.metric_rows import metric_frame
from assets.reference.cities import CityMatcher
from pipelines.framework.csv_text import csv_rows, to_number
from pipelines.framework.rejects import reject, rejects_frame


def read_sdg_11_2_1(
    path: str | Path, cities: CityMatcher, iso2_to_iso3: Mapping[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SDG 11.2.1 share of population with convenient access to public transport, per city-year.

    Vientiane has two UN rows ("Vientiane" and "Viengchan") with different values; the source
    does not say which delineation each is, so both are kept, told apart by boundary_ref (the UN
    city name); an indicator must pick one explicitly.
    """
    path = Path(path)
    rows, rejects = [], []
    city_rows: dict[str, int] = {}
    recs = [
        (i, r) for i, r in enumerate(csv_rows(path), start=2) if (r.get("ascn_city") or "").strip()
    ]
    for _, rec in recs:
        city_rows[rec["ascn_city"]] = city_rows.get(rec["ascn_city"], 0) + 1
    for i, rec in recs:
        iso3 = iso2_to_iso3.get(rec["country_iso2"].strip())
        city = cities.id_for(rec["ascn_city"].strip(), iso3) if iso3 else None
        if city is None:
            rejects.append(reject(path, i, "ascn_city", rec["ascn_city"], "not in city registry"))
            continue
        value = to_number(rec.get("pct_pt_access"))
        if value is None:
            rejects.append(
                reject(path, i, "pct_pt_access", rec.get("pct_pt_access"), "not a number")
            )
            continue
        note = (
            "UN SDG Global Database series SP_TRN_PUBL via 360info (CC BY 4.0); UN city "
            "delineation (urban extent), not the administrative boundary"
        )
        if city_rows[rec["ascn_city"]] > 1:
            note += (
                f"; the source has {city_rows[rec['ascn_city']]} UN rows for this city "
                "with different values, kept separately by boundary_ref: choose one"
            )
        rows.append(
            {
                "city_id": city,
                "metric_id": "pct_pt_access",
                "value": value,
                "unit": "percent",
                "boundary_type": "urban_extent",
                "boundary_ref": f"UN SDG city {rec['city'].strip()!r}",
                "osm_timestamp": None,
                "source_id": "unsd_sdg_11_2_1",
                "source_uri": str(path),
                "reference_period": rec["year"].strip(),
                "notes": note,
            }
        )
    return metric_frame(rows), rejects_frame(rejects)
