"""The summary at the top of each city page: a few sentences computed from the marts.

Each sentence is one small pure function of plain inputs (`standing_sentence`,
`gaps_sentence`, `funding_sentence`, `scores_sentence`, `opportunities_sentence`) so its rule
is tested on its own; `city_summary` gathers the inputs for one city from the report data. All
wording comes from `strings.py`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from assets.publish.charts import format_money
from assets.publish.report_data import shown_rank
from assets.publish.strings import t, tn

MAX_STATUS_AGE_YEARS = 3  # an "active" status older than this is not shown as current


@dataclass(frozen=True)
class Standing:
    """One value of the city ranked among comparable cities (1 = best)."""

    indicator: str
    position: int
    size: int

    @property
    def share_better(self) -> float:
        """Share of the other cities of the set this city does better than (0..1)."""
        return (self.size - self.position) / (self.size - 1) if self.size > 1 else 0.5

    @property
    def half(self) -> str:
        """ "better" (top half), "weaker" (bottom half) or "middle" (the median position)."""
        if 2 * self.position < self.size + 1:
            return "better"
        if 2 * self.position > self.size + 1:
            return "weaker"
        return "middle"


@dataclass(frozen=True)
class Project:
    title: str
    financier: str
    status: str
    status_as_of: date | None  # the last day the status is known to hold
    amount_usd: float | None
    as_of_label: str = ""  # as the source states it: a date, or only a year
    current_flag: bool | None = None  # the marts' own `status_is_current`, where published

    @property
    def as_of(self) -> str:
        return self.as_of_label or (self.status_as_of.isoformat() if self.status_as_of else "?")


def standing_sentence(city: str, ranked: list[Standing], unranked: int) -> str:
    """Where the city stands: how many ranked values fall in the better / weaker half."""
    if not ranked:
        return t("sum_standing_none", city=city, n=unranked)
    better = [s for s in ranked if s.half == "better"]
    weaker = [s for s in ranked if s.half == "weaker"]
    best = sorted(ranked, key=lambda s: (-s.share_better, s.indicator))[0]
    worst = sorted(ranked, key=lambda s: (s.share_better, s.indicator))[0]
    parts = [
        tn("sum_standing_ranked", len(ranked), city=city),
        t("sum_standing_halves", better=len(better), weaker=len(weaker)),
    ]
    if best.half == "better":
        parts.append(t("sum_standing_best", name=best.indicator, pos=best.position, size=best.size))
    if worst.half == "weaker":
        parts.append(
            t("sum_standing_worst", name=worst.indicator, pos=worst.position, size=worst.size)
        )
    text = " ".join(parts)
    if unranked:
        text += " " + tn("sum_standing_unranked", unranked)
    return text


def gaps_sentence(city: str, total: int, filled: int, causes: Counter[str]) -> str:
    """How many indicators have a value, and why the others are missing (largest cause first)."""
    if total == 0:
        return t("sum_gaps_no_catalogue")
    text = t("sum_gaps_filled", city=city, filled=filled, total=total)
    if filled == total:
        return text
    listed = sorted(causes.items(), key=lambda kv: (-kv[1], kv[0]))
    reasons = "; ".join(tn("sum_gaps_cause", n, cause=cause) for cause, n in listed)
    return text + " " + tn("sum_gaps_missing", total - filled, reasons=reasons)


def is_current(p: Project, today: date) -> bool:
    """An active status counts as current only when its as-of date is recent enough: the
    projects family decides (`status_is_current`) where the file says so; for an older file,
    the same rule on the as-of date."""
    if p.status != "active":
        return False
    if p.current_flag is not None:
        return p.current_flag
    if p.status_as_of is None:
        return False
    return (today - p.status_as_of).days <= MAX_STATUS_AGE_YEARS * 366


def funding_sentence(
    city: str, projects: list[Project], held: list[tuple[str, str]], today: date
) -> str:
    """What is funded: current active projects with amounts and financiers; else say so, naming
    the sources held and their as-of dates (a gap is never claimed without a source)."""
    if not held:
        return t("sum_funding_no_source", city=city)
    current = [p for p in projects if is_current(p, today)]
    stale = [p for p in projects if p.status == "active" and not is_current(p, today)]
    others = [p for p in projects if p.status != "active"]
    sources = "; ".join(t("sum_source_as_of", name=n, as_of=a) for n, a in held)
    if current:
        amounts = [p.amount_usd for p in current if p.amount_usd is not None]
        financiers = ", ".join(sorted({p.financier for p in current if p.financier}))
        text = tn("sum_funding_active", len(current), city=city, financiers=financiers)
        if amounts:
            text += " " + t("sum_funding_amount", amount=format_money(sum(amounts)))
    else:
        text = t("sum_funding_none", city=city, sources=sources)
    if stale:
        newest = max(stale, key=lambda p: p.status_as_of or date.min)
        text += " " + tn("sum_funding_stale", len(stale), as_of=newest.as_of)
    if others:
        text += " " + tn("sum_funding_other", len(others))
    return text


def scores_sentence(
    scored: list[tuple[str, float, tuple[int, int] | None]], not_scored: int
) -> str:
    """Focus-area scores: the scored areas with their rank, then how many are not scored."""
    if not scored:
        return tn("sum_scores_none", not_scored)
    items = []
    for name, score, rank in sorted(scored, key=lambda s: (-s[1], s[0])):
        if rank:
            items.append(t("sum_score_item_ranked", name=name, score=f"{score:.0f}", pos=rank[0],
                           size=rank[1]))  # fmt: skip
        else:
            items.append(t("sum_score_item", name=name, score=f"{score:.0f}"))
    text = t("sum_scores", items="; ".join(items))
    if not_scored:
        text += " " + tn("sum_scores_not_scored", not_scored)
    return text


def opportunities_sentence(available: bool, areas: list[str], unconfirmed: int = 0) -> str:
    """Focus areas where the city ranks low among peers and no active project is known; low
    ranks without a current project source are counted apart (no gap is claimed for them)."""
    if not available:
        return t("sum_opportunities_unavailable")
    text = (
        tn("sum_opportunities", len(set(areas)), areas=", ".join(sorted(set(areas))))
        if areas
        else t("sum_opportunities_none")
    )
    if unconfirmed:
        text += " " + tn("sum_opportunities_unconfirmed", unconfirmed)
    return text


def gap_statement_sentence(statements: list[tuple[str, str]]) -> str | None:
    """The projects family's own funding-gap statement per focus area, said once if it is the
    same everywhere."""
    if not statements:
        return None
    distinct = {s for _, s in statements}
    if len(distinct) == 1:
        return t("sum_gap_statement_all", statement=distinct.pop())
    items = "; ".join(t("sum_gap_statement_item", area=a, statement=s) for a, s in statements)
    return t("sum_gap_statement_some", items=items)


# --- gathering the inputs of one city ------------------------------------------------------------


def gap_cause(indicator: dict[str, Any], reason: str, osm_offline: bool) -> str:
    """The cause shown for a missing value: the marts' reason, made specific where the run
    itself explains it (OpenStreetMap is not measured in an offline run)."""
    if osm_offline and "OSM" in (indicator.get("min_data") or ""):
        return t("cause_osm_offline")
    return reason or t("cause_not_stated")


def _as_of(row: dict[str, Any]) -> date | None:
    value = row.get("status_as_of")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        return date.fromisoformat(value[:10])
    year = row.get("as_of_year")
    return date(int(year), 12, 31) if year else None


def _as_of_label(row: dict[str, Any]) -> str:
    value = row.get("status_as_of")
    if isinstance(value, date) or (isinstance(value, str) and len(value) >= 10):
        return str(value)[:10]
    return str(row["as_of_year"]) if row.get("as_of_year") else ""


def project_of(row: dict[str, Any]) -> Project:
    amount = row.get("cost_usd")
    flag = row.get("status_is_current")
    return Project(
        as_of_label=_as_of_label(row),
        current_flag=bool(flag) if flag is not None and flag == flag else None,
        title=row.get("title") or row.get("source_project_id") or "",
        financier=row.get("financier") or "",
        status=(row.get("status") or "").lower(),
        status_as_of=_as_of(row),
        amount_usd=float(amount) if amount is not None and amount == amount else None,
    )


def held_project_sources(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(source name, as-of) of every project source the build holds, from the projects table
    (computed once per report)."""
    if "_held_project_sources" in data:
        return data["_held_project_sources"]
    held: dict[str, set[str]] = {}
    for rows in data["projects_by_city"].values():
        for r in rows:
            as_of = _as_of(r)
            held.setdefault(data["sources"].name(r.get("source_id")), set()).add(
                _as_of_label(r) or (as_of.isoformat() if as_of else "?")
            )
    out = [(name, ", ".join(sorted(dates))) for name, dates in sorted(held.items())]
    data["_held_project_sources"] = out
    return out


@dataclass
class Summary:
    sentences: list[str]
    standings: dict[str, list[Standing]]  # by focus area id, for the summary chart


def city_summary(data: dict[str, Any], city: dict[str, Any], today: date) -> Summary:
    cid, name = city["city_id"], city["name"]
    osm = data["source_loads"].get("osm") or {}
    osm_offline = str(osm.get("source_uri") or "").startswith("offline")
    ranked: dict[str, list[Standing]] = {}
    unranked, filled = 0, 0
    causes: Counter[str] = Counter()
    for k in data["catalogue"]:
        v = data["values"].get((cid, k["indicator_id"]))
        if v is None or v["value"] is None:
            cell = data["coverage"].get((cid, k["indicator_id"])) or {}
            causes[gap_cause(k, cell.get("gap_reason") or "", osm_offline)] += 1
            continue
        filled += 1
        rank = shown_rank(v) if k["direction"] != "neutral" and k["level"] != "national" else None
        if rank:
            ranked.setdefault(k["focus_area_id"], []).append(Standing(k["name"], *rank))
        else:
            unranked += 1
    projects = [project_of(r) for r in data["projects_by_city"].get(cid, [])]
    scored, not_scored = [], 0
    for fa in data["focus_areas"]:
        s = data["scores_by_city"].get(cid, {}).get(fa["id"])
        if s and s.get("score") is not None and s["score"] == s["score"]:
            scored.append((fa["name"], float(s["score"]), score_rank(s)))
        else:
            not_scored += 1
    confirmed, unconfirmed = [], 0
    for r in data["opportunities_by_city"].get(cid, []):
        if "confirmed_gap" in r and r["confirmed_gap"] is not True:
            unconfirmed += 1  # ranks low, but no current project source: no gap claimed
        else:
            confirmed.append(data_fa_name(data, r.get("focus_area_id")))
    statements = [
        (data_fa_name(data, g.get("focus_area_id")), g["statement"])
        for g in data["gaps_by_city"].get(cid, [])
        if g.get("statement")
    ]
    sentences = [
        standing_sentence(name, [s for v in ranked.values() for s in v], unranked),
        gaps_sentence(name, len(data["catalogue"]), filled, causes),
        funding_sentence(name, projects, held_project_sources(data), today),
        scores_sentence(scored, not_scored),
        opportunities_sentence(
            data["project_tables"].get("opportunities", False), confirmed, unconfirmed
        ),
    ]
    gap_text = gap_statement_sentence(statements)
    if gap_text:
        sentences.insert(3, gap_text)
    return Summary(sentences=sentences, standings=ranked)


def score_rank(s: dict[str, Any]) -> tuple[int, int] | None:
    """A focus-area score's rank among comparable cities, shown only for a large enough set."""
    return shown_rank(s)


def data_fa_name(data: dict[str, Any], fa_id: str | None) -> str:
    for fa in data["focus_areas"]:
        if fa["id"] == fa_id:
            return fa["name"]
    return (fa_id or "").replace("_", " ")
