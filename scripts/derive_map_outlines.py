"""Derive the report map's country outlines from Natural Earth 1:110m admin-0 (public domain).

One-off, offline: reads the `naturalearth_lowres` shapefile that the pyogrio wheel ships as a test
fixture (`pyogrio/tests/fixtures/naturalearth_lowres/`, copied there from GeoPandas; Natural Earth
1:110m Cultural Vectors, admin-0 countries, public domain) and writes the ASEAN countries and
their neighbours, clipped to the map's frame, with coordinates rounded to 0.01 degree, to
`data/sources/maps/ne_110m_admin0_asean.geojson`. See data/sources/MAP_SOURCES.md.

Usage (needs pyshp and shapely, neither a runtime dependency of the project):
    python scripts/derive_map_outlines.py <folder holding naturalearth_lowres.shp>
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import shapefile  # pyshp
from shapely.geometry import box, mapping, shape

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "data" / "sources" / "maps" / "ne_110m_admin0_asean.geojson"
ASEAN = {"BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"}
NEIGHBOURS = {"CHN", "IND", "BGD", "BTN", "TLS", "PNG", "TWN", "AUS"}
FRAME = (90.0, -12.0, 130.0, 29.0)  # lon/lat box of the map: every pilot city lies inside


def _round(coords: object) -> object:
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], float):
        return [round(coords[0], 2), round(coords[1], 2)]
    return [_round(c) for c in coords]  # type: ignore[union-attr]


def main(folder: Path) -> None:
    shp = folder / "naturalearth_lowres.shp"
    digest = hashlib.sha256(shp.read_bytes()).hexdigest()
    reader = shapefile.Reader(str(shp.with_suffix("")))
    frame = box(*FRAME)
    features = []
    for rec, geom in zip(reader.records(), reader.shapes(), strict=True):
        iso3 = rec["iso_a3"]
        if iso3 not in ASEAN | NEIGHBOURS:
            continue
        clipped = shape(geom.__geo_interface__).intersection(frame)
        if clipped.is_empty:
            continue
        geometry = mapping(clipped)
        features.append(
            {
                "type": "Feature",
                "properties": {"iso_a3": iso3, "name": rec["name"], "asean": iso3 in ASEAN},
                "geometry": {
                    "type": geometry["type"],
                    "coordinates": _round(geometry["coordinates"]),
                },
            }
        )
    features.sort(key=lambda f: f["properties"]["iso_a3"])
    OUT.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "source": "Natural Earth 1:110m admin-0 countries (public domain), via the "
                f"naturalearth_lowres fixture of the pyogrio 0.13.0 wheel, sha256 {digest}",
                "frame_lon_lat": FRAME,
                "features": features,
            },
            separators=(",", ":"),
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"{OUT}: {len(features)} countries, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
