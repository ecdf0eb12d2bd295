"""The OSM metric catalogue reader (data/catalogue/osm_metrics.csv).

Broken catalogue files are SYNTHETIC, written to tmp_path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.infrastructure.metric_catalogue import catalogue_ranges, load_metric_catalogue
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


def test_bundled_ranges_flag_zero_roads_and_green_area_in_cities_over_50000():
    ranges = catalogue_ranges(load_metric_catalogue(CATALOGUE, FOCUS_AREAS)).set_index("metric_id")
    zero = ranges["zero_implausible_above_population"].dropna()
    assert zero.to_dict() == {"road_length_total": 50000.0, "green_area": 50000.0}
    assert ranges.loc["green_area", "valid_max_per_km2"] == 1.0  # at most the whole area
    counts = ranges[ranges["geometry"] == "point"]
    assert counts["plausible_max_per_100k"].notna().all()  # every count bounded by population
    assert (ranges["plausible_max_per_km2"] <= ranges["valid_max_per_km2"]).all()


HEADER = (
    "metric_id,name,osm_filter,geometry,unit,aggregation,focus_area_id,notes,valid_max_per_km2,"
    "plausible_max_per_km2,plausible_max_per_100k,zero_implausible_above_population,"
    "plausibility_rationale\n"
)
R = ",1000,30,,,why"  # the range columns of a line metric
GOOD = (
    "hospitals,Hospitals,[amenity=hospital],point,count,count,health_wellbeing,,10000,5,50,,why\n"
)


@pytest.mark.parametrize(
    "bad_row, field",
    [
        (GOOD, "metric_id"),  # duplicate id
        (
            f"roads,Roads,[highway=primary],polygon,km,sum_length,built_infrastructure,{R}\n",
            "geometry",
        ),
        (f"roads,Roads,[highway=primary],line,m,sum_length,built_infrastructure,{R}\n", "unit"),
        (f"roads,Roads,[highway=primary],line,km,count,built_infrastructure,{R}\n", "aggregation"),
        (f"roads,Roads,[highway=primary],line,km,sum_length,transport,{R}\n", "focus_area_id"),
        (
            f'roads,Roads,"[highway=primary];out;",line,km,sum_length,built_infrastructure,{R}\n',
            "osm_filter",
        ),
        (
            f'roads,Roads,"[highway~""(a|b""]",line,km,sum_length,built_infrastructure,{R}\n',
            "osm_filter",
        ),
        # the ranges
        (
            "roads,Roads,[highway=primary],line,km,sum_length,built_infrastructure,,,30,,,why\n",
            "valid_max_per_km2",
        ),
        (
            "roads,Roads,[highway=primary],line,km,sum_length,built_infrastructure,,1000,x,,,why\n",
            "plausible_max_per_km2",
        ),
        (
            "roads,Roads,[highway=primary],line,km,sum_length,built_infrastructure,,10,30,,,why\n",
            "plausible_max_per_km2",
        ),
        (
            "roads,Roads,[highway=primary],line,km,sum_length,built_infrastructure,,1000,30,5,,why\n",
            "plausible_max_per_100k",
        ),
        (
            "roads,Roads,[highway=primary],line,km,sum_length,built_infrastructure,,1000,30,,-1,why\n",
            "zero_implausible_above_population",
        ),
        (
            "roads,Roads,[highway=primary],line,km,sum_length,built_infrastructure,,1000,30,,,\n",
            "plausibility_rationale",
        ),
    ],
)
def test_broken_catalogue_entry_raises_naming_row_and_field(tmp_path, bad_row, field):
    path = tmp_path / "osm_metrics.csv"
    path.write_text(HEADER + GOOD + bad_row)
    with pytest.raises(ValueError) as err:
        load_metric_catalogue(path, FOCUS_AREAS)
    assert "row 3" in str(err.value) and f"field {field}" in str(err.value)
