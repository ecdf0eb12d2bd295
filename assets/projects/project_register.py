"""A city project register (.csv or .xlsx) -> conformed project rows and rejects.

The rules are documented in docs/PROJECT_REGISTER.md; keep the two in step. A problem with the
whole file raises ``ValueError`` naming the file (`register.read_table`); a bad row becomes
rejects (one per problem, `pipelines.framework.rejects.reject`, each carrying the row's
`project_id` so the batch reader can keep that project's last good version) and is not kept.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from assets.projects.fields import (
    ISO3_CODE,
    clean_text,
    empty_frame,
    is_blank,
    parse_amount,
    parse_date,
    resolve_focus_area,
    split_list,
)
from assets.projects.lookups import Lookups
from assets.projects.register import Limits, read_table
from assets.projects.schema import CONFORMED_COLUMNS, FINANCIER_TYPES, SOURCE_REGISTER, STATUSES
from pipelines.framework.rejects import reject, rejects_frame

REGISTER_COLUMNS = (
    "project_id",
    "city",
    "title",
    "sector",
    "focus_area",
    "financier",
    "financier_type",
    "partner_companies",
    "partner_countries",
    "cost",
    "currency",
    "status",
    "start_date",
    "end_date",
    "source",
)
REGISTER_REQUIRED = ("project_id", "city", "title", "status", "source")

# A problem found in a row: (field, value, reason).
Problem = tuple[str, Any, str]

# ISO 4217 codes that are not money a project can cost: precious metals (XAU gold, XAG silver,
# XPT platinum, XPD palladium), bond-market units (XBA-XBD), the IMF's SDR (XDR), units of
# account (XSU Sucre, XUA ADB unit), the testing code XTS and XXX "no currency is involved".
NON_MONEY_CURRENCIES = frozenset(
    {"XAU", "XAG", "XPT", "XPD", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA", "XTS", "XXX"}
)


def read_project_register(
    path: Path, lookups: Lookups, today: date | None = None, limits: Limits | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a city project register (.csv UTF-8 or .xlsx) into (rows, rejects).

    rows have CONFORMED_COLUMNS with source_id='project_register'; rows.attrs['warnings'] lists
    file-level notes (extra columns ignored, hidden sheets skipped, no data rows) and
    rows.attrs['data_rows'] counts the non-blank data rows. `today` bounds plausible years;
    `limits` bounds the file (default: the settings' defaults)."""
    path = Path(path)
    uri = str(path)
    table = read_table(path, REGISTER_COLUMNS, REGISTER_REQUIRED, limits)
    header = table.header
    warnings = [
        f"{path.name}: column '{c}' is not in the template and was ignored" for c in table.extra
    ] + table.warnings
    col = {name: header.index(name) for name in REGISTER_COLUMNS if name in header}

    rejects: list[dict[str, Any]] = []
    parsed: list[tuple[int, dict[str, Any]]] = []
    data_rows = 0
    for i, raw in enumerate(table.rows):
        row_number = i + 1
        if all(is_blank(c) for c in raw):
            continue
        data_rows += 1
        problems: list[Problem] = list(table.row_problems.get(i, []))
        if len(raw) > len(header) and any(not is_blank(c) for c in raw[len(header) :]):
            problems.append(
                ("*", f"{len(raw)} cells", f"too_many_cells (header has {len(header)})")
            )
        for (ri, cj), ref in table.formula_cells.items():
            if ri == i:
                problems.append(
                    (
                        header[cj] or f"column {cj + 1}",
                        ref,
                        f"formula_without_cached_value in cell {ref}",
                    )
                )

        def cell(name: str, _raw: list[Any] = raw) -> Any:
            j = col.get(name)
            return _raw[j] if j is not None and j < len(_raw) else None

        rec = _conform_row(cell, problems, lookups, today, uri, row_number)
        pid = rec["source_project_id"]
        rejects += [
            {**reject(uri, row_number, f, v, reason), "project_id": pid}
            for f, v, reason in problems
        ]
        if not problems:
            parsed.append((row_number, rec))

    rows, duplicates = _drop_duplicate_ids(parsed, table.rows, col.get("project_id"), uri)
    rejects += duplicates
    frame = (
        pd.DataFrame(rows, columns=list(CONFORMED_COLUMNS))
        if rows
        else empty_frame(CONFORMED_COLUMNS)
    )
    if not data_rows:
        warnings.append(f"{path.name}: header only, no data rows")
    frame.attrs["warnings"] = warnings
    frame.attrs["data_rows"] = data_rows
    return frame, rejects_frame(rejects)


def _conform_row(
    cell: Any,
    problems: list[Problem],
    lookups: Lookups,
    today: date | None,
    uri: str,
    row_number: int,
) -> dict[str, Any]:
    """The conformed record of one register row; appends what is wrong with it to `problems`."""
    for name in REGISTER_REQUIRED:
        if is_blank(cell(name)) and not any(p[0] == name for p in problems):
            problems.append((name, None, "missing_required"))
    city_text = clean_text(cell("city"))
    city_id = city_match = None
    if city_text:
        city_id, city_match, problem = lookups.cities.resolve(city_text)
        if problem:
            problems.append(("city", city_text, problem))
    focus, problem = resolve_focus_area(cell("focus_area"), lookups.focus_areas)
    if problem:
        problems.append(("focus_area", clean_text(cell("focus_area")), problem))
    ftype = clean_text(cell("financier_type"))
    if ftype and ftype.casefold() not in FINANCIER_TYPES:
        problems.append(("financier_type", ftype, "unknown_financier_type"))
    countries = [c.upper() for c in split_list(cell("partner_countries"))]
    known_countries = set(lookups.iso3_of.values())
    for c in countries:
        if not ISO3_CODE.match(c):
            problems.append(("partner_countries", c, "bad_country_code"))
        elif c not in known_countries:
            problems.append(
                (
                    "partner_countries",
                    c,
                    "unknown_country_code (not in data/reference/countries.csv; add the country "
                    "there if it is a real partner)",
                )
            )
    cost, problem = parse_amount(cell("cost"))
    if problem:
        problems.append(("cost", clean_text(cell("cost")), problem))
    currency = (clean_text(cell("currency")) or "").upper() or None
    if currency and currency in NON_MONEY_CURRENCIES:
        problems.append(
            ("currency", currency, "not_a_money_currency (an ISO 4217 code for a metal, unit of "
             "account, testing or no currency; give the currency the cost is paid in)")
        )  # fmt: skip
    elif currency and currency not in lookups.currencies:
        problems.append(("currency", currency, "unknown_currency"))
    if cost is not None and not currency:
        problems.append(("currency", None, "missing_currency"))
    status = (clean_text(cell("status")) or "").casefold() or None
    if status and status not in STATUSES:
        problems.append(("status", clean_text(cell("status")), "unknown_status"))
    start, problem = parse_date(cell("start_date"), today)
    if problem:
        problems.append(("start_date", clean_text(cell("start_date")), problem))
    end, problem = parse_date(cell("end_date"), today)
    if problem:
        problems.append(("end_date", clean_text(cell("end_date")), problem))
    if start and end and start > end:
        problems.append(("start_date", f"{start} > {end}", "start_after_end"))
    return dict(
        source_id=SOURCE_REGISTER,
        source_project_id=clean_text(cell("project_id")),
        city_id=city_id,
        city_match=city_match,
        city_confidence="high",
        city_candidates=[city_id],
        title=clean_text(cell("title")),
        description=None,
        sector=clean_text(cell("sector")),
        sector_codes=[],
        focus_area_id=focus,
        financier=clean_text(cell("financier")),
        financier_type=ftype.casefold() if ftype else None,
        partner_companies=split_list(cell("partner_companies")),
        partner_countries=countries,
        cost=cost,
        project_cost=None,
        currency=currency,
        status=status,
        source_status=clean_text(cell("status")),
        start_date=start,
        end_date=end,
        source_ref=clean_text(cell("source")),
        source_uri=uri,
        source_row=row_number,
    )


def _drop_duplicate_ids(
    parsed: list[tuple[int, dict[str, Any]]],
    raw_rows: list[list[Any]],
    id_column: int | None,
    uri: str,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(kept rows, rejects): an id on several non-blank rows (valid or not) keeps none of them."""
    seen_on: dict[str, list[int]] = {}
    if id_column is not None:
        for i, raw in enumerate(raw_rows):
            pid = clean_text(raw[id_column]) if id_column < len(raw) else None
            if pid:
                seen_on.setdefault(pid, []).append(i + 1)
    rows, rejects = [], []
    for row_number, rec in parsed:
        seen = seen_on[rec["source_project_id"]]
        if len(seen) > 1:
            reason = f"duplicate_project_id (rows {', '.join(map(str, seen))})"
            pid = rec["source_project_id"]
            rejects.append(
                {**reject(uri, row_number, "project_id", pid, reason), "project_id": pid}
            )
        else:
            rows.append(rec)
    return rows, rejects
