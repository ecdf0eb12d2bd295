"""Bundled GHSL UCDB 2015 urban-centre attributes merged with G. Boeing's OSM street-network
indicators (data/sources/ghsl): metric rows per ASCN city, boundary `urban_centre`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assets.infrastructure.metric_rows import metric_frame
from assets.reference.cities import CityMatcher
from pipelines.framework.csv_text import csv_rows, to_number
from pipelines.framework.rejects import reject, rejects_frame

GHSL_METRICS: list[tuple[str, str, str, str, str]] = [
    # (source column, metric_id, unit, reference period, note)
    (
        "intersect_count",
        "street_intersections",
        "count",
        "OSM, downloaded before 2020-05-20",
        "Count of (undirected) edge intersections (Boeing metadata)",
    ),
    (
        "intersect_count_clean",
        "street_intersections_clean",
        "count",
        "OSM, downloaded before 2020-05-20",
        "Count of street intersections after merging nodes within 10 m (Boeing metadata)",
    ),
    (
        "m",
        "street_segments",
        "count",
        "OSM, downloaded before 2020-05-20",
        "Count of streets (undirected edges) (Boeing metadata column m)",
    ),
    (
        "n",
        "street_nodes",
        "count",
        "OSM, downloaded before 2020-05-20",
        "Count of nodes (Boeing metadata column n)",
    ),
    (
        "length_mean",
        "street_segment_length_mean",
        "m",
        "OSM, downloaded before 2020-05-20",
        "Mean street segment length, metres (Boeing metadata)",
    ),
    ("area", "uc_area", "km2", "2015", "Area within urban centre boundary polygon (GHS AREA)"),
    ("built_up_area", "uc_built_up_area", "km2", "2015", "Built-up surface area 2015 (GHS B15)"),
    (
        "resident_pop",
        "uc_resident_population",
        "persons",
        "2015",
        "Total resident population 2015 (GHS P15)",
    ),
    (
        "pm25_concentration",
        "pm25_concentration",
        "ug/m3",
        "2014",
        "PM2.5 concentration 2014 (GBD, via UCDB E_CPM2_T14)",
    ),
    (
        "land_use_efficiency",
        "land_use_efficiency",
        "ratio",
        "1990-2015",
        "Land use efficiency 1990-2015 (Melchiorri; UCDB SDG_LUE9015)",
    ),
    (
        "pct_open_space",
        "pct_open_space",
        "percent",
        "2015",
        "Percent open space (JRC; UCDB SDG_OS15MX)",
    ),
    (
        "transport_co2_em_fossil",
        "transport_co2_emissions_fossil",
        "t/yr",
        "2015",
        "Transport CO2 from non-short-cycle-organic fuels 2015, 10^3 kg/yr = t/yr (Crippa; EDGAR)",
    ),
    (
        "transport_co2_em_bio",
        "transport_co2_emissions_bio",
        "t/yr",
        "2015",
        "Transport CO2 from short-cycle-organic fuels 2015, 10^3 kg/yr = t/yr (Crippa; EDGAR)",
    ),
    (
        "transport_pm25_em",
        "transport_pm25_emissions",
        "t/yr",
        "2015",
        "Transport PM2.5 emissions 2015, 10^3 kg/yr = t/yr (Crippa; EDGAR)",
    ),
]
GHSL_VINTAGE_NOTE = (
    "GHS-UCDB 2015 R2019A v1.2 attributes (EC JRC) merged with G. Boeing street-network "
    "indicators, gboeing/street-network-models commit 6bc56bf (2020-05-20); OSM download date "
    "not stated in the stored file"
)


def read_bundled_street_network(
    ghsl_csv: str | Path, cities: CityMatcher, metadata_csv: str | Path | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """GHSL UCDB 2015 / Boeing street-network CSV -> (metric rows, rejects).

    Street length km is DERIVED as m (undirected edges) x length_mean (m) / 1000, because the
    metadata defines m as the count of undirected edges and length_mean as their mean length
    in metres; it is only derived when the metadata defines both columns so.
    """
    path = Path(ghsl_csv)
    meta_path = Path(metadata_csv) if metadata_csv else _metadata_path(path)
    meta = {r["indicator"]: r["description"] for r in csv_rows(meta_path)}
    derive_length = "undirected edges" in meta.get("m", "") and "length, meters" in meta.get(
        "length_mean", ""
    )
    rows, rejects = [], []
    for i, rec in enumerate(csv_rows(path), start=2):
        city = cities.id_for(rec["ascn_city"], rec["ascn_country_iso3"])
        if city is None:
            rejects.append(reject(path, i, "ascn_city", rec["ascn_city"], "not in city registry"))
            continue
        ref = f"GHSL urban centre {rec['uc_id']} ({rec['uc_names']})"

        def add(metric, value, unit, period, note, _city=city, _ref=ref):
            rows.append(
                {
                    "city_id": _city,
                    "metric_id": metric,
                    "value": value,
                    "unit": unit,
                    "boundary_type": "urban_centre",
                    "boundary_ref": _ref,
                    "osm_timestamp": "unknown",
                    "source_id": "ghsl_ucdb2015",
                    "source_uri": str(path),
                    "reference_period": period,
                    "notes": f"{note}; {GHSL_VINTAGE_NOTE}",
                }
            )

        for col, metric, unit, period, note in GHSL_METRICS:
            if col not in rec or col not in meta:
                continue
            text = (rec[col] or "").strip()
            if not text:
                continue  # missing stays missing
            value = to_number(text)
            if value is None:
                rejects.append(reject(path, i, col, text, "not a number"))
                continue
            add(metric, value, unit, period, note)
        m, lm = to_number(rec.get("m")), to_number(rec.get("length_mean"))
        if derive_length and m is not None and lm is not None:
            add(
                "street_length_total",
                m * lm / 1000,
                "km",
                "OSM, downloaded before 2020-05-20",
                "DERIVED: m (count of undirected edges) x length_mean (mean street segment "
                "length, m) / 1000, both as defined in the Boeing metadata",
            )
    return metric_frame(rows), rejects_frame(rejects)


def _metadata_path(path: Path) -> Path:
    candidates = [
        path.with_name(path.name.replace("_ascn.csv", "_metadata.csv")),
        path.with_name(path.stem + "_metadata.csv"),
    ]
    for c in candidates:
        if c.is_file():
            return c
    raise ValueError(f"{path}: metadata CSV not found next to it (tried {candidates})")
