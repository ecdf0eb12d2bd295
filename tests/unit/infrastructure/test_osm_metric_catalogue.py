"""The OSM metric catalogue reader (data/catalogue/osm_metrics.csv).

Broken catalogue files are SYNTHETIC, written to tmp_path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.infrastructure.metric_catalogue import load_metric_catalogue
from assets.reference.vocabularies import focus_areas
from pipelines.settings import Settings

DATA = Path(__file__).resolve().parents[3] / "data"
CATALOGUE = DATA / "catalogue" / "osm_metrics.csv"
FOCUS_AREAS = list(focus_areas(Settings(data_dir=DATA)))


# --- catalogue ------------------------------------------------------------------------------
def test_bundled_catalogue_is_valid_and_covers_the_required_metrics():
    cat = load_metric_catalogue(CATALOGUE, FOCUS_AREAS)
    required = {
        "hospitals", "clinics_doctors", "pharmacies", "schools", "universities_colleges",
        "libraries", "police_stations", "fire_stations", "public_transport_stops",
        "cycleway_length", "green_area", "drinking_water", "toilets", "waste_facilities",
        "power_substations", "road_length_residential", "road_length_motorway",
    }  # fmt: skip
    assert required <= set(cat["metric_id"])
    assert cat.set_index("metric_id").loc["green_area", "unit"] == "km2"


HEADER = "metric_id,name,osm_filter,geometry,unit,aggregation,focus_area_id,notes\n"
GOOD = "hospitals,Hospitals,[amenity=hospital],point,count,count,health_wellbeing,\n"


@pytest.mark.parametrize(
    "bad_row, field",
    [
        (GOOD, "metric_id"),  # duplicate id
        ("roads,Roads,[highway=primary],polygon,km,sum_length,built_infrastructure,\n", "geometry"),
        ("roads,Roads,[highway=primary],line,m,sum_length,built_infrastructure,\n", "unit"),
        ("roads,Roads,[highway=primary],line,km,count,built_infrastructure,\n", "aggregation"),
        ("roads,Roads,[highway=primary],line,km,sum_length,transport,\n", "focus_area_id"),
        (
            'roads,Roads,"[highway=primary];out;",line,km,sum_length,built_infrastructure,\n',
            "osm_filter",
        ),
        (
            'roads,Roads,"[highway~""(a|b""]",line,km,sum_length,built_infrastructure,\n',
            "osm_filter",
        ),
    ],
)
def test_broken_catalogue_entry_raises_naming_row_and_field(tmp_path, bad_row, field):
    path = tmp_path / "osm_metrics.csv"
    path.write_text(HEADER + GOOD + bad_row)
    with pytest.raises(ValueError) as err:
        load_metric_catalogue(path, FOCUS_AREAS)
    assert "row 3" in str(err.value) and f"field {field}" in str(err.value)
