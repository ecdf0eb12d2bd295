"""Reference values the tests expect, written out by hand (never read from data/reference/): the
ten ASEAN members in the order of countries.csv, and the six ASCN focus areas in the order of
focus_areas.csv."""

ASEAN_ISO3 = ["BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"]

FOCUS_AREA_IDS = [
    "civic_social",
    "health_wellbeing",
    "safety_security",
    "quality_environment",
    "built_infrastructure",
    "industry_innovation",
]
