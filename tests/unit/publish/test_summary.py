"""The summary sentences of a city page, on a hand-made published file (report_helpers.brief_db)
and as pure rules. Expected texts are written out from the input by hand: a change of rule or
wording makes these tests fail."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from assets.publish.report_data import load_report_data
from assets.publish.summary import (
    MAX_STATUS_AGE_YEARS,
    Project,
    Standing,
    city_summary,
    funding_sentence,
    gaps_sentence,
    is_current,
    opportunities_sentence,
    scores_sentence,
    standing_sentence,
)
from tests.unit.publish.report_helpers import brief_db

TODAY = date(2026, 6, 1)


@pytest.fixture
def summary(tmp_path: Path) -> list[str]:
    data = load_report_data(brief_db(tmp_path / "brief.duckdb"))
    return city_summary(data, data["city_by_id"]["khm-battambang"], TODAY).sentences


def test_standing_on_the_hand_made_file(summary: list[str]) -> None:
    # Ranked: co2 2 of 6 (better half: 2*2 < 7), streets 4 of 5 (weaker: 2*4 > 6). Not ranked:
    # density (neutral), gdp (national), small (set of 3 < 5).
    assert summary[0] == (
        "Against comparable cities (same indicator, unit and year), Battambang is ranked on 2 "
        "indicators: in the better half on 1, in the weaker half on 1. Best: Transport CO2 "
        "(rank 2 of 6). Weakest: Street density (rank 4 of 5). 3 other values are not ranked "
        "(national context, neutral indicators or fewer than 5 comparable cities)."
    )


def test_gaps_on_the_hand_made_file(summary: list[str]) -> None:
    # 7 indicators, 5 values; shops is an OSM indicator in an offline build, pt has a reason.
    assert summary[1] == (
        "Battambang has values for 5 of 7 indicators. 2 are missing: 1 because OpenStreetMap "
        "was not measured in this run (offline build); 1 because no SDG 11.2.1 value for the "
        "city."
    )


def test_funding_on_the_hand_made_file(summary: list[str]) -> None:
    # P1 active as of 2025-03-31 (current on 2026-06-01), P2 active as of 2013 (stale), P3
    # closed.
    assert summary[2] == (
        "1 active project is known in Battambang (World Bank). Together US$10.0 million. "
        "1 project is listed as active as of 2013-10-31: too old to be called current. "
        "1 earlier or planned project is listed below."
    )


def test_scores_and_opportunities_on_the_hand_made_file(summary: list[str]) -> None:
    assert summary[3] == (
        "Focus-area scores (0-100, higher is better): Quality Environment 63 (rank 3 of 6). "
        "3 focus areas are not scored: too few of their indicators have data."
    )
    assert summary[4] == (
        "Opportunity: Built Infrastructure ranks low among peers and has no known active project."
    )


# --- the rules one by one ---------------------------------------------------------------


def test_half_rule() -> None:
    assert Standing("x", 2, 5).half == "better"  # 4 < 6
    assert Standing("x", 3, 5).half == "middle"  # the median position of an odd set
    assert Standing("x", 4, 5).half == "weaker"
    assert Standing("x", 3, 6).half == "better"  # 6 < 7
    assert Standing("x", 4, 6).half == "weaker"
    assert Standing("x", 1, 5).share_better == 1.0 and Standing("x", 5, 5).share_better == 0.0


def test_standing_without_a_large_enough_set() -> None:
    assert standing_sentence("Xville", [], 4) == (
        "Xville cannot be ranked on any indicator yet: none of its 4 values has a set of at "
        "least 5 comparable cities with a better and a worse direction."
    )


def test_standing_names_no_best_when_nothing_is_in_the_better_half() -> None:
    text = standing_sentence("X", [Standing("a", 5, 6), Standing("b", 3, 5)], 0)
    assert "Best:" not in text and "Weakest: a (rank 5 of 6)." in text
    assert "in the better half on 0, in the weaker half on 1." in text  # b is the median


def test_gaps_largest_cause_first() -> None:
    text = gaps_sentence("X", 10, 6, Counter({"b reason": 1, "a reason": 1, "c reason": 2}))
    assert text == (
        "X has values for 6 of 10 indicators. 4 are missing: 2 because c reason; "
        "1 because a reason; 1 because b reason."
    )
    assert gaps_sentence("X", 3, 3, Counter()) == "X has values for 3 of 3 indicators."


def test_status_age_rule() -> None:
    years = MAX_STATUS_AGE_YEARS
    assert years == 3
    fresh = Project("t", "WB", "active", date(2023, 7, 1), None)
    old = Project("t", "WB", "active", date(2023, 5, 1), None)
    assert is_current(fresh, TODAY) and not is_current(old, TODAY)
    assert not is_current(Project("t", "WB", "closed", TODAY, None), TODAY)
    assert not is_current(Project("t", "WB", "active", None, None), TODAY)


def test_funding_with_no_active_project_names_the_sources_held() -> None:
    held = [("World Bank, Projects & Operations", "2025-03-31")]
    assert funding_sentence("X", [], held, TODAY) == (
        "No active project is known in X in the sources held "
        "(World Bank, Projects & Operations as of 2025-03-31)."
    )
    assert funding_sentence("X", [], [], TODAY) == (
        "No project source is held in this build, so nothing can be said about what is funded in X."
    )


def test_scores_and_opportunities_rules() -> None:
    assert scores_sentence([], 6) == (
        "None of the 6 focus areas is scored: too few of their indicators have data."
    )
    assert scores_sentence([("B", 40.0, None), ("A", 70.4, (2, 9))], 0) == (
        "Focus-area scores (0-100, higher is better): A 70 (rank 2 of 9); B 40."
    )
    assert opportunities_sentence(False, []).endswith("are not yet available in this build.")
    assert opportunities_sentence(True, ["B", "A"]) == (
        "Opportunities: A, B rank low among peers and have no known active project."
    )
