"""Every user-facing string of the report, in one place, ready for a Khmer translation.

`t(key, **values)` formats one string; `tn(key, n, **values)` picks the `_one` or `_other` form
by `n`. The catalogue in use is `LANGUAGES[LANG]`; a translation is a second dict with the same
keys (`km` below starts empty: a missing key falls back to English, and
`tests/unit/publish/test_strings.py` lists what is left to translate). Templates call the same
functions, and a test checks that no template holds English text of its own.
"""

from __future__ import annotations

from typing import Any

EN: dict[str, str] = {
    # --- site ----------------------------------------------------------------------------------
    "site_name": "ASCN City Indicators",
    "site_lang": "en",
    "nav_all_cities": "All cities",
    "nav_cities": "Cities",
    "nav_choose_city": "Choose a city ({n})",
    "nav_downloads": "Downloads",
    "nav_on_this_page": "On this page",
    "index_title": "All pilot cities",
    "index_subtitle": "Summary across {n} pilot cities",
    "index_h1": "ASEAN Smart Cities Network: indicators of the pilot cities",
    "city_subtitle": "City brief",
    "skip_to_content": "Skip to content",
    # --- notes ---------------------------------------------------------------------------------
    "note_national": "National values are context, not city values: they are the country’s "
    "figure, never ranked or scored among cities.",
    "note_gaps": "A gap is shown as a gap with its reason, never as zero.",
    "about_method": "Indicator values are computed from real, published sources. Estimated "
    "values are carried from the nearest year or interpolated, and say so. A boundary mismatch "
    "means numerator and denominator describe different areas.",
    "about_vintage": "Data vintage by source",
    "about_published": "Published {at} (run {run}).",
    "about_sources_link": "Sources, links and licences",
    "vintage_not_stated": "vintage not stated",
    # --- city header ---------------------------------------------------------------------------
    "city_population": "Population {value} ({year}, {unit}; {source})",
    "city_no_population": "no headline population",
    "city_size_class": "size class {label}",
    "city_peers": "Peer group by size ({n}):",
    "none": "none",
    "size_below_50k": "under 50,000",
    "size_50k_200k": "50,000-200,000",
    "size_200k_500k": "200,000-500,000",
    "size_500k_1.5m": "500,000-1.5 million",
    "size_1.5m_plus": "1.5 million and more",
    "size_unknown": "unknown size",
    # --- summary -------------------------------------------------------------------------------
    "summary_h": "In brief",
    "sum_standing_none": "{city} cannot be ranked on any indicator yet: none of its {n} values "
    "has a set of at least 5 comparable cities with a better and a worse direction.",
    "sum_standing_ranked_one": "Against comparable cities (same indicator, unit and year), "
    "{city} is ranked on 1 indicator:",
    "sum_standing_ranked_other": "Against comparable cities (same indicator, unit and year), "
    "{city} is ranked on {n} indicators:",
    "sum_standing_halves": "in the better half on {better}, in the weaker half on {weaker}.",
    "sum_standing_best": "Best: {name} (rank {pos} of {size}).",
    "sum_standing_worst": "Weakest: {name} (rank {pos} of {size}).",
    "sum_standing_unranked_one": "1 other value is not ranked (national context, neutral "
    "indicator or fewer than 5 comparable cities).",
    "sum_standing_unranked_other": "{n} other values are not ranked (national context, neutral "
    "indicators or fewer than 5 comparable cities).",
    "sum_gaps_no_catalogue": "No indicator is defined in this build.",
    "sum_gaps_filled": "{city} has values for {filled} of {total} indicators.",
    "sum_gaps_missing_one": "1 is missing: {reasons}.",
    "sum_gaps_missing_other": "{n} are missing: {reasons}.",
    "sum_gaps_cause_one": "1 because {cause}",
    "sum_gaps_cause_other": "{n} because {cause}",
    "cause_osm_offline": "OpenStreetMap was not measured in this run (offline build)",
    "cause_not_stated": "the reason is not stated",
    "sum_funding_no_source": "No project source is held in this build, so nothing can be said "
    "about what is funded in {city}.",
    "sum_source_as_of": "{name} as of {as_of}",
    "sum_funding_active_one": "1 active project is known in {city} ({financiers}).",
    "sum_funding_active_other": "{n} active projects are known in {city} ({financiers}).",
    "sum_funding_amount": "Together {amount}.",
    "sum_funding_none": "No active project is known in {city} in the sources held ({sources}).",
    "sum_funding_stale_one": "1 project is listed as active as of {as_of}: too old to be "
    "called current.",
    "sum_funding_stale_other": "{n} projects are listed as active as of {as_of} at the latest: "
    "too old to be called current.",
    "sum_funding_other_one": "1 earlier or planned project is listed below.",
    "sum_funding_other_other": "{n} earlier or planned projects are listed below.",
    "sum_scores": "Focus-area scores (0-100, higher is better): {items}.",
    "sum_score_item": "{name} {score}",
    "sum_score_item_ranked": "{name} {score} (rank {pos} of {size})",
    "sum_scores_not_scored_one": "1 focus area is not scored: too few of its indicators have data.",
    "sum_scores_not_scored_other": "{n} focus areas are not scored: too few of their indicators "
    "have data.",
    "sum_scores_none_one": "The focus area is not scored: too few of its indicators have data.",
    "sum_scores_none_other": "None of the {n} focus areas is scored: too few of their indicators "
    "have data.",
    "sum_opportunities_unavailable": "Opportunities (focus areas ranked low among peers with no "
    "active project known) are not yet available in this build.",
    "sum_opportunities_none": "No opportunity is listed: no focus area ranks low among peers "
    "without a known active project.",
    "sum_opportunities_unconfirmed_one": "1 focus area ranks low among peers, but no current "
    "project source is held for it, so no funding gap is claimed.",
    "sum_opportunities_unconfirmed_other": "{n} focus areas rank low among peers, but no "
    "current project source is held for them, so no funding gap is claimed.",
    "sum_gap_statement_all": "Funding gaps, in every focus area: {statement}.",
    "sum_gap_statement_some": "Funding gaps: {items}.",
    "sum_gap_statement_item": "{area}: {statement}",
    "gaps_table": "Funding gaps by focus area",
    "opportunities_intro": "An opportunity is a focus area where the city ranks low among "
    "comparable cities and no active project is known in a current project source.",
    "col_as_of": "As of",
    "col_statement": "Statement",
    "sum_opportunities_one": "Opportunity: {areas} ranks low among peers and has no known active "
    "project.",
    "sum_opportunities_other": "Opportunities: {areas} rank low among peers and have no known "
    "active project.",
    # --- charts --------------------------------------------------------------------------------
    "chart_better": "better →",
    "chart_worse": "← worse",
    "chart_neutral": "neutral: neither end is better",
    "chart_log": "log scale",
    "chart_this_city": "this city",
    "chart_comparable": "comparable cities",
    "chart_other": "other units or years",
    "chart_median": "median of comparable cities",
    "chart_no_city_data": "no data for any pilot city",
    "chart_no_data": "no data: {reason}",
    "chart_title": "{city}: {area} indicators, right is better",
    "chart_desc": "{n} indicators; {city} has a value for {with_value}. Each row runs from the "
    "worse to the better end (neutral rows from low to high); {city} is the large orange dot, "
    "comparable cities are blue, cities measured on another unit or year are grey rings, the "
    "comparable median is a black tick.",
    "chart_dot": "{city}: {value} {unit}",
    "chart_rank": "rank {pos} of {size}",
    "chart_too_few": "too few to rank",
    "chart_national": "national, not ranked",
    "chart_country_rank": "{pos} of {size} countries",
    "standing_title": "{city}: position among comparable cities, by focus area",
    "standing_desc": "One row per focus area. Each dot is one ranked indicator, placed by the "
    "share of comparable cities {city} does better than: right is better, the middle line is "
    "the median. {n} indicators are ranked.",
    "standing_axis_left": "worst",
    "standing_axis_mid": "median",
    "standing_axis_right": "best",
    "standing_none": "not ranked",
    "standing_dot": "{name}: rank {pos} of {size}",
    # --- city page sections --------------------------------------------------------------------
    "areas_h": "Focus areas",
    "fa_score": "Score {score} of 100",
    "fa_score_rank": "Score {score} of 100, rank {pos} of {size}",
    "fa_not_scored": "Not scored: {scored} of {total} indicators have data (at least half are "
    "needed).",
    "col_indicator": "Indicator",
    "col_value": "Value",
    "col_unit": "Unit",
    "col_year": "Year",
    "col_rank": "Rank among comparable cities",
    "col_rank_short": "Rank",
    "col_flags": "Flags",
    "col_source": "Source",
    "col_direction": "Better is",
    "dir_higher_better": "higher",
    "dir_lower_better": "lower",
    "dir_neutral": "neutral",
    "dir_note_higher_better": "higher is better",
    "dir_note_lower_better": "lower is better",
    "dir_note_neutral": "neutral: not ranked as better or worse",
    "year_for": "for {year}",
    "no_data_row": "no data: {reason}",
    "indicators_caption": "{area} indicators of {city}",
    "flag_estimated": "estimated",
    "flag_boundary_mismatch": "boundary mismatch",
    "flag_implausible": "implausible",
    "flag_exceeds_internet_access": "exceeds internet access",
    "flag_national_context": "national context",
    "flag_year_gap": "{n} year(s) from the reference year",
    "national_marker": "(national)",
    # --- trends --------------------------------------------------------------------------------
    "trends_h": "Trends",
    "trends_intro": "Series where a source holds several years; the vertical line marks the "
    "indicator’s reference year, the larger dot the published value.",
    "trend_population": "Population, {unit} ({source})",
    "trend_projection": "dashed: projection",
    "trend_title": "{name}: {first} to {last}",
    "trend_desc": "Line chart of {n} yearly values from {first} ({v_first}) to {last} "
    "({v_last}); reference year {ref}.",
    "trend_single": "Only single-year figures: {items}.",
    "trend_none": "No source holds several years for {city}.",
    "trend_ref": "reference year {year}",
    "trend_units_h": "Population by unit",
    "trend_units_intro": "Each spatial unit has its own figure; they are not one series.",
    # --- projects ------------------------------------------------------------------------------
    "projects_h": "Projects and donors",
    "projects_none": "No project located in {city} in the sources held.",
    "projects_unavailable": "{what} not yet available in this build.",
    "projects_table": "Projects",
    "donors_table": "Donor coordination",
    "opportunities_table": "Opportunities",
    "col_title": "Project",
    "col_financier": "Financier",
    "col_status": "Status (as of)",
    "col_amount": "Amount",
    "col_match": "Placed by",
    "col_focus_area": "Focus area",
    "col_projects": "Projects",
    "col_evidence": "Evidence",
    "status_as_of": "{status} as of {as_of}",
    "status_stale": "{status} as of {as_of} (not current)",
    "amount_unknown": "not stated",
    "matches_none": "No company register was supplied, so no business matches are made: put "
    "a register in the inbox (template in data/templates/) and run again.",
    # --- map -----------------------------------------------------------------------------------
    "map_h": "Map",
    "map_choose": "Colour by:",
    "map_title": "Pilot cities coloured by {what}",
    "map_desc": "Map of {n} pilot cities on Natural Earth country outlines; {with_value} have a "
    "value, {gaps} are gaps drawn as hollow circles.",
    "map_gap": "no value (gap)",
    "map_city": "{city}: {value}",
    "map_city_gap": "{city}: no value",
    "map_credit": "Outlines: Natural Earth (public domain){extra}. Not a statement on borders.",
    "map_credit_khm": "; Cambodian administrative units: geoBoundaries ADM2 (CC BY 4.0)",
    "map_boundary_one": "Right: {city}’s administrative unit (geoBoundaries ADM2).",
    "map_boundary_other": "Right: {city}’s {n} administrative units (geoBoundaries ADM2).",
    "map_locator_note": "Orange: this city; rings: other pilot cities of the country.",
    "map_score": "{area} score",
    "map_low": "low",
    "map_high": "high",
    "map_better_right": "colour darker = better",
    "map_neutral": "neutral indicator: darker = higher",
    "map_locator": "{city} on the map of the pilot cities",
    # --- downloads and sources -----------------------------------------------------------------
    "downloads_h": "Downloads",
    "downloads_city": "This city’s values (CSV)",
    "downloads_all_cities": "Every city’s values",
    "downloads_tables": "Published tables (CSV)",
    "downloads_dictionary": "Data dictionary (CSV)",
    "downloads_intro": "CSV files written with this report; columns are described in the data "
    "dictionary.",
    "sources_h": "Sources",
    "col_source_name": "Source",
    "col_licence": "Licence",
    "col_documented": "Documented in",
    "col_values": "Values",
    "col_vintages": "Vintages",
    # --- index page ----------------------------------------------------------------------------
    "cities_h": "Cities and peer groups",
    "cities_intro": "Each city is compared only with cities measured on the same indicator, "
    "unit and year; peer groups by size class group the focus-area scores.",
    "col_city": "City",
    "col_local_name": "Local name",
    "col_country": "Country",
    "col_size_class": "Size class",
    "col_population": "Headline population",
    "col_pop_detail": "Year, unit, source",
    "scores_h": "Focus-area scores",
    "scores_intro": "Score 0-100 (higher is better) among comparable cities; a focus area is "
    "scored only where enough indicators have data, otherwise it is a gap.",
    "not_scored": "not scored",
    "coverage_h": "Coverage",
    "coverage_intro": "Which indicators each city has: ✓ value, – gap (hover for the reason); "
    "* marks national context.",
    "coverage_caption": "Coverage: indicators (rows) by city (columns)",
    "cities_caption": "Pilot cities with size class and headline population",
    "scores_caption": "Focus-area score and rank of each city",
    "rank_short": "rank {pos}/{size}",
}

KM: dict[str, str] = {"site_lang": "km"}  # Khmer: to be translated (falls back to English)

LANGUAGES: dict[str, dict[str, str]] = {"en": EN, "km": KM}
LANG = "en"


def t(key: str, /, **values: Any) -> str:
    """The string `key` in the report's language, formatted with `values`."""
    catalogue = LANGUAGES[LANG]
    text = catalogue.get(key, EN.get(key))
    if text is None:
        raise KeyError(f"no report string {key!r} in strings.py")
    return text.format(**values) if values else text


def tn(key: str, n: int, /, **values: Any) -> str:
    """The singular (`key_one`) or plural (`key_other`) form of `key` for the count `n`."""
    return t(f"{key}_{'one' if n == 1 else 'other'}", n=n, **values)
