"""The indicator catalogue is data, and it is validated."""

import csv

import pytest

from assets.indicators.catalogue import COLUMNS, load_catalogue
from pipelines.settings import REPO_ROOT
from warehouse.db import defined_tables

PATH = REPO_ROOT / "data" / "catalogue" / "indicators.csv"
FOCUS = {
    "civic_social", "health_wellbeing", "safety_security", "quality_environment",
    "built_infrastructure", "industry_innovation",
}  # fmt: skip


def load(path=PATH):
    return load_catalogue(path, FOCUS, defined_tables())


def test_real_catalogue_is_valid_and_large_enough():
    catalogue = load()
    assert len(catalogue) >= 40
    assert catalogue["indicator_id"].is_unique
    assert set(catalogue["focus_area_id"]) == FOCUS
    # Standards references are optional but, where given, look like their scheme.
    assert catalogue["sdg11"].dropna().str.fullmatch(r"11\.\w\.\d").all()
    # Every numerator has a unit type; national context only in the unit type nation.
    national = catalogue["level"] == "national"
    assert (catalogue.loc[national, "unit_type"] == "nation").all()
    assert set(catalogue.loc[~national, "unit_type"].fillna("")) == {
        "pilot", "urban_centre", "urban_extent", "agglomeration", "measurement_area", ""
    }  # fmt: skip
    pm25 = catalogue.set_index("indicator_id").loc["pm25_concentration"]
    assert pm25["reference_year"] == 2014  # GHSL E_CPM2_T14: observed, not carried to 2015
    projects = catalogue[catalogue["source_tables"].str.startswith("staging.projects")]
    assert len(projects) == 9 and (projects["max_year_gap"] == 1).all()  # no stale snapshots
    assert (projects["direction"] == "neutral").all()


def test_all_empty_text_columns_stay_text():
    catalogue = load()
    assert str(catalogue["iso37122"].dtype) == "string"  # empty in every row today


def write_variant(tmp_path, change) -> object:
    rows = list(csv.DictReader(open(PATH, encoding="utf-8")))
    change(rows)
    path = tmp_path / "indicators.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda rows: rows.append(dict(rows[0])), "duplicate id 'population'"),
        (lambda rows: rows[1].update(unit="furlongs"), "row 2, field unit: unknown unit"),
        (lambda rows: rows[2].update(focus_area_id="sports"), "row 3, field focus_area_id"),
        (
            lambda rows: rows[3].update(source_tables="staging.nowhere"),
            "table 'staging.nowhere' does not exist",
        ),
        (lambda rows: rows[4].update(direction="up"), "row 5, field direction"),
        (lambda rows: rows[5].update(reference_year="soon"), "row 6, field reference_year"),
        (lambda rows: rows[6].update(direction_rationale=" "), "row 7, field direction_rationale"),
        (lambda rows: rows[7].update(unit_type="galaxy"), "row 8, field unit_type: unknown"),
        (
            lambda rows: rows[0].update(unit_type="nation"),
            "row 1, field unit_type: national indicators and only they",
        ),
        (
            lambda rows: rows[0].update(denominator_alignment="unit_attribute"),
            "row 1, field denominator_alignment: set but the indicator has no denominator",
        ),
        (lambda rows: rows[1].update(density_check="maybe"), "row 2, field density_check"),
    ],
)
def test_broken_entry_is_refused_naming_row_and_field(tmp_path, change, message):
    with pytest.raises(ValueError, match="invalid indicator catalogue") as err:
        load(write_variant(tmp_path, change))
    assert message in str(err.value)
