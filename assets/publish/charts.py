"""Charts of the city pages: geometry in SVG user units, computed here, drawn by
`templates/_chart.html`.

Strip charts: one row per indicator of a focus area, oriented so that right is better
(lower-is-better rows run from the highest value on the left to the lowest on the right; neutral
rows run low to high and say so), on a log scale where the values span two orders of magnitude
or more, with the median of the city's comparison set marked and a rank only where that set is
large enough. `IndicatorScales` is computed once per report (sorting each indicator's values
once), so a page costs a bounded amount of work whatever the number of cities: above
`MAX_DOTS` values a row draws its comparable cities' 10th-90th percentile band instead of one dot
per city. The standing chart of the summary is here too, and the number formats of every page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from assets.publish.report_data import MIN_RANK_SET, gap_reason, shown_rank
from assets.publish.strings import t

CHART_WIDTH = 980
LABEL_RIGHT = 290  # indicator names end here
STRIP_LEFT, STRIP_RIGHT = 305, 680
VALUE_LEFT = 695  # the city's own value is written here
ROW_HEIGHT = 42
CHART_TOP = 36  # legend above the first row
LABEL_CHARS = 44
MAX_DOTS = 60  # above this many values a row draws a percentile band, not one dot per city
LOG_SPAN = 100.0  # max/min ratio from which a row uses a log scale


def format_number(value: Any) -> str:
    """A readable number: thousands separators, about three significant digits for small ones."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    v = float(value)
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1 or a == 0:
        return f"{v:.2f}".rstrip("0").rstrip(".")
    return f"{v:.3g}"


def format_money(usd: float | None) -> str:
    """US dollars, in millions from one million on."""
    if usd is None or (isinstance(usd, float) and math.isnan(usd)):
        return ""
    if abs(usd) >= 1e6:
        return f"US${usd / 1e6:,.1f} million"
    return f"US${usd:,.0f}"


def set_key(v: dict[str, Any]) -> tuple[Any, ...]:
    """The comparison set of a value: the marts' own set id where the file has one, else the
    same indicator, unit type and year."""
    if v.get("comparison_set_id") is not None:
        return (v["indicator_id"], v["comparison_set_id"])
    return (v["indicator_id"], v.get("unit_type"), v.get("year"))


@dataclass
class Scale:
    lo: float
    hi: float
    log: bool
    reverse: bool  # lower is better: the highest value is drawn on the left

    def x(self, value: float) -> float:
        lo, hi, v = self.lo, self.hi, value
        if self.log:
            lo, hi, v = math.log10(lo), math.log10(hi), math.log10(max(value, self.lo))
        frac = (v - lo) / (hi - lo) if hi > lo else 0.5
        if self.reverse:
            frac = 1 - frac
        return round(STRIP_LEFT + frac * (STRIP_RIGHT - STRIP_LEFT), 1)


def country_rank(v: dict[str, Any] | None) -> tuple[int, int] | None:
    """A national value's rank among countries (never among cities), for a set of 5 or more."""
    if not v or v.get("country_rank_position") is None or v.get("country_rank_set_size") is None:
        return None
    size = int(v["country_rank_set_size"])
    return (int(v["country_rank_position"]), size) if size >= MIN_RANK_SET else None


def make_scale(values: list[float], direction: str) -> Scale:
    lo, hi = min(values), max(values)
    log = lo > 0 and hi / lo >= LOG_SPAN
    return Scale(lo, hi, log, direction == "lower_better")


def quantile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolated quantile of an already sorted list (the median at q = 0.5)."""
    pos = q * (len(sorted_values) - 1)
    i = int(math.floor(pos))
    j = min(i + 1, len(sorted_values) - 1)
    return sorted_values[i] + (sorted_values[j] - sorted_values[i]) * (pos - i)


@dataclass
class IndicatorScales:
    """Per indicator: its scale, its drawable points and each comparison set's sorted values."""

    scales: dict[str, Scale] = field(default_factory=dict)
    points: dict[str, list[tuple[str, str, float]]] = field(default_factory=dict)
    sets: dict[tuple[Any, ...], list[float]] = field(default_factory=dict)
    own: dict[tuple[str, str], tuple[str, str, float]] = field(default_factory=dict)

    @classmethod
    def build(cls, data: dict[str, Any]) -> IndicatorScales:
        out = cls()
        for k in data["catalogue"]:
            iid = k["indicator_id"]
            pts = []
            seen_countries: set[str] = set()
            for v in data["values_by_indicator"].get(iid, []):
                if v["value"] is None or not math.isfinite(v["value"]):
                    continue
                city = data["city_by_id"].get(v["city_id"])
                if city is None:
                    continue
                if k["level"] == "national":  # one dot per country, not one per city
                    if city["country_iso3"] in seen_countries:
                        continue
                    seen_countries.add(city["country_iso3"])
                pts.append((v["city_id"], str(set_key(v)), float(v["value"])))
                out.own[(iid, v["city_id"])] = pts[-1]
                out.sets.setdefault(set_key(v), []).append(float(v["value"]))
            if pts:
                out.scales[iid] = make_scale([p[2] for p in pts], k["direction"])
                out.points[iid] = pts
        for values in out.sets.values():
            values.sort()
        return out


@dataclass
class Dot:
    x: float
    label: str  # tooltip: city, value, unit
    kind: str  # "all" (the city has no value), "other", "peer" or "city"


@dataclass
class ChartRow:
    y: float
    indicator_name: str
    short_name: str
    level: str
    direction: str
    dots: list[Dot] = field(default_factory=list)
    band: tuple[float, float] | None = None  # x of the 10th and 90th percentile (many cities)
    median_x: float | None = None
    left_label: str = ""
    right_label: str = ""
    end_note: str = ""  # "log scale" / "neutral"
    value_label: str = ""  # the city's value, or "no data: <reason>"
    rank_label: str = ""
    has_value: bool = False


@dataclass
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    rows: list[ChartRow]
    strip_left: int = STRIP_LEFT
    strip_right: int = STRIP_RIGHT
    label_right: int = LABEL_RIGHT
    value_left: int = VALUE_LEFT


def _row(
    data: dict[str, Any], scales: IndicatorScales, city: dict[str, Any], k: dict[str, Any], y: float
) -> ChartRow:
    iid, cid = k["indicator_id"], city["city_id"]
    name = k["name"] or iid
    short = name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"
    row = ChartRow(y=y, indicator_name=name, short_name=short, level=k["level"],
                   direction=k["direction"])  # fmt: skip
    own = data["values"].get((cid, iid))
    unit = k["unit"] or ""
    if own is not None and own["value"] is not None:
        row.has_value = True
        row.value_label = f"{format_number(own['value'])} {unit}".strip()
        rank = shown_rank(own)
        country = country_rank(own)
        if k["level"] == "national":
            row.rank_label = (
                t("chart_country_rank", pos=country[0], size=country[1])
                if country
                else t("chart_national")
            )
        elif k["direction"] == "neutral":
            row.rank_label = t("dir_neutral")
        elif rank:
            row.rank_label = t("chart_rank", pos=rank[0], size=rank[1])
        else:
            row.rank_label = t("chart_too_few")
    else:
        row.value_label = t(
            "chart_no_data", reason=gap_reason(data, cid, iid) or t("cause_not_stated")
        )
    scale = scales.scales.get(iid)
    if scale is None:
        return row
    left, right = (scale.hi, scale.lo) if scale.reverse else (scale.lo, scale.hi)
    row.left_label, row.right_label = format_number(left), format_number(right)
    notes = []
    if k["direction"] == "neutral":
        notes.append(t("dir_neutral"))
    if scale.log:
        notes.append(t("chart_log"))
    row.end_note = ", ".join(notes)
    own_set = str(set_key(own)) if row.has_value else None
    if own is not None and row.has_value:
        members = scales.sets.get(set_key(own), [])
        if len(members) >= 2:
            row.median_x = scale.x(quantile(members, 0.5))
    points = scales.points.get(iid, [])
    if len(points) > MAX_DOTS:  # many cities: a band for the comparable set, and the city
        members = scales.sets.get(set_key(own), []) if row.has_value else []
        if members:
            row.band = (scale.x(quantile(members, 0.1)), scale.x(quantile(members, 0.9)))
        mine = scales.own.get((iid, cid))
        points = [mine] if mine else []  # a dict look-up: the page's cost stays bounded
    dots = []
    for pid, pset, value in points:
        c = data["city_by_id"][pid]
        same_country = k["level"] == "national" and c["country_iso3"] == city["country_iso3"]
        kind = (
            "city"
            if pid == cid or same_country
            else "peer"
            if pset == own_set
            else "other"
            if own_set is not None
            else "all"  # the city has no value: no comparison set to tell apart
        )
        label_name = c["country_name"] if k["level"] == "national" else c["name"]
        dots.append(Dot(scale.x(value), t("chart_dot", city=label_name, value=format_number(value),
                                          unit=unit).strip(), kind))  # fmt: skip
    order = {"all": 0, "other": 0, "peer": 1, "city": 2}  # the city is drawn last, on top
    row.dots = sorted(dots, key=lambda d: order[d.kind])
    return row


def strip_chart(
    data: dict[str, Any],
    scales: IndicatorScales,
    city: dict[str, Any],
    fa: dict[str, Any],
    indicators: list[dict[str, Any]],
) -> Chart:
    """The strip chart of one focus area on `city`'s page."""
    rows = [
        _row(data, scales, city, k, CHART_TOP + i * ROW_HEIGHT + ROW_HEIGHT / 2)
        for i, k in enumerate(indicators)
    ]
    return Chart(
        id=f"chart-{fa['id']}",
        title=t("chart_title", city=city["name"], area=fa["name"]),
        description=t(
            "chart_desc", n=len(rows), city=city["name"], with_value=sum(r.has_value for r in rows)
        ),  # fmt: skip
        width=CHART_WIDTH,
        height=int(CHART_TOP + len(rows) * ROW_HEIGHT + 8),
        rows=rows,
    )


# --- the summary's standing chart -----------------------------------------------------------------

STAND_WIDTH, STAND_LABEL, STAND_LEFT, STAND_RIGHT, STAND_ROW = 470, 150, 162, 458, 24


@dataclass
class StandingRow:
    y: float
    name: str
    dots: list[tuple[float, str]]  # (x, tooltip)
    note: str


def standing_chart(city: dict[str, Any], areas: list[dict[str, Any]], standings: dict) -> dict:
    """One row per focus area, a dot per ranked indicator at the share of comparable cities the
    city does better than (right is better; the middle line is the median)."""
    rows = []
    n = 0
    for i, fa in enumerate(areas):
        items = standings.get(fa["id"], [])
        n += len(items)
        y = 32 + i * STAND_ROW
        dots = [
            (
                round(STAND_LEFT + s.share_better * (STAND_RIGHT - STAND_LEFT), 1),
                t("standing_dot", name=s.indicator, pos=s.position, size=s.size),
            )
            for s in sorted(items, key=lambda s: s.indicator)
        ]
        rows.append(StandingRow(y, fa["name"], dots, "" if dots else t("standing_none")))
    return {
        "id": "standing",
        "title": t("standing_title", city=city["name"]),
        "description": t("standing_desc", city=city["name"], n=n),
        "width": STAND_WIDTH,
        "height": 32 + len(rows) * STAND_ROW,
        "left": STAND_LEFT,
        "right": STAND_RIGHT,
        "mid": (STAND_LEFT + STAND_RIGHT) / 2,
        "label_right": STAND_LABEL,
        "rows": rows,
    }
