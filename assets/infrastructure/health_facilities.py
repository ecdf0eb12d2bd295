"""Bundled official health-facility lists: MIMU public hospitals (Myanmar, 2020) and the Brunei
Ministry of Health facility list, counted per ASCN city and the unit the list is published for."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assets.infrastructure.metric_rows import metric_frame
from assets.reference.cities import CityMatcher
from pipelines.framework.csv_text import csv_rows, to_number
from pipelines.framework.rejects import reject, rejects_frame

MIMU_BOUNDARY_TYPES = {
    "region": "province",
    "district": "district",
    "union territory": "union_territory",
}


def read_bundled_facilities(
    mimu_csv: str | Path, brn_csv: str | Path, cities: CityMatcher
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """MIMU public hospitals (Myanmar, 2020) and Brunei MOH facilities -> (metric rows, rejects).

    MIMU: per ASCN city, count of public hospitals and the sum of numeric `bedClass` values
    (a bed-count class as published, not a census of beds; "NA" rows are left out and counted
    in the notes). The match level (Yangon Region, Mandalay District, Nay Pyi Taw union
    territory) becomes the boundary. Brunei: hospitals and health centres in Brunei-Muara
    district (which contains Bandar Seri Begawan).
    """
    rows, rejects = [], []
    mimu = Path(mimu_csv)
    groups: dict[tuple[str, str], list[tuple[int, dict[str, str]]]] = {}
    for i, rec in enumerate(csv_rows(mimu), start=2):
        if (rec.get("ascn_city") or "").strip():
            groups.setdefault(
                (rec["ascn_city"].strip(), rec["ascn_match_level"].strip()), []
            ).append((i, rec))
    for (name, level), recs in groups.items():
        city = cities.id_for(name, "MMR")
        if city is None:
            rejects.append(reject(mimu, recs[0][0], "ascn_city", name, "not in city registry"))
            continue
        kind = next((v for k, v in MIMU_BOUNDARY_TYPES.items() if level.startswith(k)), "other")
        beds = [to_number(r["bedClass"]) for _, r in recs]
        numeric = [b for b in beds if b is not None]
        base = {
            "city_id": city,
            "unit": "count",
            "boundary_type": kind,
            "boundary_ref": level,
            "osm_timestamp": None,
            "source_id": "mimu_health_facilities_2020",
            "source_uri": str(mimu),
            "reference_period": "2020",
        }
        rows.append(
            {
                **base,
                "metric_id": "public_hospitals",
                "value": float(len(recs)),
                "notes": "Public hospitals listed by MIMU (2020, v20241016); no clinics, no "
                "private hospitals",
            }
        )
        rows.append(
            {
                **base,
                "metric_id": "public_hospital_bed_class_sum",
                "unit": "beds",
                "value": float(sum(numeric)),
                "notes": f"Sum of numeric bedClass (bed-count class as published) over "
                f"{len(numeric)} of {len(recs)} hospitals; "
                f"{len(recs) - len(numeric)} with non-numeric bedClass left out",
            }
        )
    brn = Path(brn_csv)
    counts: dict[tuple[str, str, str], int] = {}
    for i, rec in enumerate(csv_rows(brn), start=2):
        name = (rec.get("ascn_city") or "").strip()
        if not name:
            continue
        city = cities.id_for(name, "BRN")
        if city is None:
            rejects.append(reject(brn, i, "ascn_city", name, "not in city registry"))
            continue
        ftype = (rec.get("facility_type") or "").strip()  # some values carry a trailing tab
        metric = {"Hospital": "public_hospitals", "Health Centre": "public_health_centres"}.get(
            ftype
        )
        if metric is None or (rec.get("public_or_private") or "").strip() != "Public":
            rejects.append(
                reject(brn, i, "facility_type", ftype, "not a public hospital or health centre")
            )
            continue
        key = (city, metric, f"{rec['district'].strip()} District")
        counts[key] = counts.get(key, 0) + 1
    for (city, metric, district), n in sorted(counts.items()):
        rows.append(
            {
                "city_id": city,
                "metric_id": metric,
                "value": float(n),
                "unit": "count",
                "boundary_type": "district",
                "boundary_ref": district,
                "osm_timestamp": None,
                "source_id": "brn_moh_facilities",
                "source_uri": str(brn),
                "reference_period": "as listed 2024-12 (bruneimap commit 2024-12-19)",
                "notes": "Ministry of Health facility list via bruneimap; district contains "
                "the capital, so this is not the municipality",
            }
        )
    return metric_frame(rows), rejects_frame(rejects)
