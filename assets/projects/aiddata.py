"""AidData Global Chinese Development Finance 3.0: each project's commitment split over
first-level (ADM1, province) and second-level (ADM2, district) admin units.

Files (``ASCN_AIDDATA_GCDF_DIR``; AidData's `gcdf-geospatial-data` ``gb_v6/gcdf_v3_adm1.csv`` /
``..._adm2.csv``, or the copies named ``GCDF_3.0_ADM1_Locations.csv``): one row per project and
unit with the columns ``id, shapeID, shapeGroup, shapeName, intersection_ratio,
even_split_ratio, intersection_ratio_commitment_value, even_split_ratio_commitment_value,
centroid_longitude, centroid_latitude`` (/tmp/research/apis.md §5). The level is read from the
file name ("adm1"/"adm2"). ``*_commitment_value`` = ratio x the project's amount in **constant
2021 US$** (never to be summed with the World Bank's current US$); an empty value means the
project has no amount. Shapes are geoBoundaries CGAZ; ``shapeGroup`` is the ISO3 country.

Licence: ODC-By 1.0, attribution "AidData, College of William & Mary" (admin shapes:
geoBoundaries). Not bundled: the platform never copies the files; a user points at them.
A row that cannot be read is quarantined (file, row, field, reason); the others are landed.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.framework.rejects import reject, rejects_frame
from warehouse.db import TableDoc

SOURCE = "aiddata_gcdf"
NOT_SUPPLIED = "not supplied: ASCN_AIDDATA_GCDF_DIR is not set"
LICENCE = "ODC-By 1.0; attribution: AidData, College of William & Mary (shapes: geoBoundaries)"
VINTAGE = "AidData GCDF 3.0 (commitments 2000-2021, amounts in constant 2021 US$)"
PRICE_BASIS = "constant 2021 US$"
PROJECT_PAGE = "https://china.aiddata.org/projects/{}"
FILE_COLUMNS = (
    "id",
    "shapeID",
    "shapeGroup",
    "shapeName",
    "intersection_ratio",
    "even_split_ratio",
    "intersection_ratio_commitment_value",
    "even_split_ratio_commitment_value",
    "centroid_longitude",
    "centroid_latitude",
)
COLUMNS = [
    "adm_level",
    "aiddata_project_id",
    "shape_id",
    "country_iso3",
    "shape_name",
    "intersection_ratio",
    "even_split_ratio",
    "intersection_value_usd2021",
    "even_split_value_usd2021",
    "centroid_lon",
    "centroid_lat",
    "price_basis",
    "licence",
    "vintage",
    "project_url",
    "source_file",
    "source_row",
]
#: the columns of `COLUMNS`, described once (raw.aiddata_gcdf_locations and
#: staging.aiddata_locations; source_file, source_row and the lineage columns: warehouse.db)
DESCRIPTIONS = {
    "adm_level": "Admin level of the unit: 1 (province) or 2 (district), from the file name",
    "aiddata_project_id": "AidData GCDF project id",
    "shape_id": "geoBoundaries CGAZ shapeID of the unit",
    "country_iso3": "Country of the unit (shapeGroup, ISO3)",
    "shape_name": "Name of the unit (shapeName)",
    "intersection_ratio": "Share of the project's commitment given to the unit by the area of "
    "its locations that falls in it (0-1)",
    "even_split_ratio": "Share of the project's commitment given to the unit by an even split "
    "over its units (0-1)",
    "intersection_value_usd2021": "intersection_ratio x the project's amount, constant 2021 US$ "
    "(never to be summed with current US$; null: no amount)",
    "even_split_value_usd2021": "even_split_ratio x the project's amount, constant 2021 US$ "
    "(null: no amount)",
    "centroid_lon": "Longitude of the unit's centroid",
    "centroid_lat": "Latitude of the unit's centroid",
    "price_basis": "Price basis of the amounts: constant 2021 US$",
    "licence": "Licence and attribution of the data",
    "vintage": "Dataset version: AidData GCDF 3.0",
    "project_url": "The project's page on china.aiddata.org",
}
DOC = TableDoc(
    "AidData Global Chinese Development Finance 3.0: each project's commitment split over ADM1 "
    "and ADM2 units, one row per project and unit, from the files of ASCN_AIDDATA_GCDF_DIR "
    "(not bundled: empty by default).",
    DESCRIPTIONS,
)
_LEVEL = re.compile(r"adm[_ ]?([12])(?!\d)", re.IGNORECASE)


def location_files(folder: Path) -> list[Path]:
    """The GCDF location files of `folder` (CSV files with the GCDF header), sorted."""
    out = []
    for path in sorted(folder.glob("*.csv")):
        header = list(pd.read_csv(path, nrows=0, dtype=str).columns)
        if set(FILE_COLUMNS) <= set(header):
            out.append(path)
    if not out:
        raise ValueError(
            f"{folder}: no AidData GCDF 3.0 location file (a CSV with the columns "
            f"{', '.join(FILE_COLUMNS)})"
        )
    return out


def adm_level(path: Path) -> int:
    m = _LEVEL.search(path.name)
    if not m:
        raise ValueError(
            f"{path.name}: cannot tell ADM1 from ADM2; the file name must say adm1 or adm2"
        )
    return int(m[1])


def _number(value: Any) -> float | None:
    text = str(value).strip() if value is not None else ""
    if not text:
        return None
    number = float(text)  # ValueError for text: the caller quarantines the row
    if math.isnan(number) or math.isinf(number):
        raise ValueError(text)
    return number


def read_locations(paths: list[Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows with `COLUMNS`, rejects) of the GCDF location files."""
    rows: list[dict[str, Any]] = []
    rejects: list[dict[str, Any]] = []
    for path in paths:
        level = adm_level(path)
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for i, r in enumerate(frame.to_dict("records"), start=1):
            row = _row(r, level, path, i, rejects)
            if row is not None:
                rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS), rejects_frame(rejects)


def _row(
    r: dict[str, str], level: int, path: Path, i: int, rejects: list[dict[str, Any]]
) -> dict[str, Any] | None:
    values: dict[str, float | None] = {}
    for name in FILE_COLUMNS[4:]:
        try:
            values[name] = _number(r.get(name))
        except ValueError:
            rejects.append(reject(path, i, name, r.get(name), "not_a_number"))
            return None
    for name in ("intersection_ratio", "even_split_ratio"):
        ratio = values[name]
        if ratio is None or not 0 <= ratio <= 1:
            rejects.append(reject(path, i, name, r.get(name), "ratio_outside_0_1"))
            return None
    pid, iso3 = r.get("id", "").strip(), r.get("shapeGroup", "").strip().upper()
    if not pid or not re.fullmatch(r"[A-Z]{3}", iso3):
        field = "id" if not pid else "shapeGroup"
        rejects.append(reject(path, i, field, r.get(field), "missing_required"))
        return None
    return {
        "adm_level": level,
        "aiddata_project_id": pid,
        "shape_id": r.get("shapeID", "").strip() or None,
        "country_iso3": iso3,
        "shape_name": r.get("shapeName", "").strip() or None,  # a tab ends "Hà Nội\t"
        "intersection_ratio": values["intersection_ratio"],
        "even_split_ratio": values["even_split_ratio"],
        "intersection_value_usd2021": values["intersection_ratio_commitment_value"],
        "even_split_value_usd2021": values["even_split_ratio_commitment_value"],
        "centroid_lon": values["centroid_longitude"],
        "centroid_lat": values["centroid_latitude"],
        "price_basis": PRICE_BASIS,
        "licence": LICENCE,
        "vintage": VINTAGE,
        "project_url": PROJECT_PAGE.format(pid),
        "source_file": path.name,
        "source_row": i,
    }
