"""The map's bundled outlines and colour classes."""

from __future__ import annotations

import csv
import json

from assets.publish.map import OUTLINES, _classes, boundary_frame, load_outlines
from assets.publish.report import DATA_DIR


def test_outlines_cover_every_pilot_city_and_name_their_source() -> None:
    outlines = load_outlines(DATA_DIR)
    iso3 = {c["iso3"] for c in outlines.countries if c["asean"]}
    # Singapore has no polygon at 1:110m (data/sources/MAP_SOURCES.md): nine ASEAN outlines.
    assert iso3 == {"BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "THA", "VNM"}
    lon0, lat0, lon1, lat1 = outlines.frame
    with (DATA_DIR / "reference" / "cities.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            assert lon0 < float(row["lon"]) < lon1 and lat0 < float(row["lat"]) < lat1, row
    doc = json.loads((DATA_DIR / OUTLINES).read_text(encoding="utf-8"))
    digest = doc["source"].rsplit("sha256 ", 1)[1]
    assert digest in (DATA_DIR / "sources" / "MAP_SOURCES.md").read_text(encoding="utf-8")


def test_cambodian_units_zoom_where_bundled() -> None:
    outlines = load_outlines(DATA_DIR)
    if not outlines.has_admin:
        return  # no Cambodian admin file bundled: the locator shows the country only
    frame = boundary_frame(outlines, "Battambang")
    assert frame is not None and len(frame["units"]) == 1
    assert boundary_frame(outlines, "Hanoi") is None


def test_colour_classes_follow_the_direction() -> None:
    values = {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0, "e": 5.0}
    assert _classes(values, "higher_better") == {"a": 0, "b": 1, "c": 2, "d": 3, "e": 4}
    assert _classes(values, "lower_better") == {"a": 4, "b": 3, "c": 2, "d": 1, "e": 0}
    # Ties share the class of their first position: 5 * 0 / 4 = 0 and 5 * 2 / 4 -> 2.
    assert _classes({"a": 1.0, "b": 1.0, "c": 2.0, "d": 3.0}, "neutral") == {
        "a": 0, "b": 0, "c": 2, "d": 3,
    }  # fmt: skip
