"""Plain-Python parsers for projects: the city project register, World Bank and IATI conforming,
currency conversion, cross-source de-duplication and company matching.

No Dagster here: tests and assets call these functions directly. Rules are documented in
docs/PROJECT_REGISTER.md; keep the two in step.

Bad input follows the project convention: row problems become rejects
(``source_uri, row_number, field, value, reason``); a problem with the whole file raises
``ValueError`` naming the file (and the column, cell or range where there is one).
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[2]
ISO4217_PATH = REPO_ROOT / "data" / "reference" / "iso4217_currencies.csv"
SECTOR_MAP_PATH = REPO_ROOT / "data" / "catalogue" / "sector_focus_map.csv"
FX_RATES_PATH = REPO_ROOT / "data" / "reference" / "fx_rates_usd.csv"

SOURCE_REGISTER = "project_register"
SOURCE_WORLDBANK = "worldbank_projects"
SOURCE_IATI = "iati"
#: lower number wins when one project is reported by several sources
SOURCE_PRECEDENCE = {SOURCE_REGISTER: 0, SOURCE_WORLDBANK: 1, SOURCE_IATI: 2}

FOCUS_AREAS: dict[str, str] = {
    "civic_social": "Civic & Social",
    "health_wellbeing": "Health & Well-being",
    "safety_security": "Safety & Security",
    "quality_environment": "Quality Environment",
    "built_infrastructure": "Built Infrastructure",
    "industry_innovation": "Industry & Innovation",
}
STATUSES = ("pipeline", "active", "completed", "cancelled")
OPEN_STATUSES = ("pipeline", "active")
FINANCIER_TYPES = (
    "government",
    "multilateral",
    "bilateral",
    "private",
    "ppp",
    "ngo",
    "foundation",
    "other",
)

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

CONFORMED_COLUMNS = (
    "source_id",
    "source_project_id",
    "city_id",
    "city_match",
    "city_confidence",
    "city_candidates",
    "title",
    "description",
    "sector",
    "sector_codes",
    "focus_area_id",
    "financier",
    "financier_type",
    "partner_companies",
    "partner_countries",
    "cost",
    "project_cost",
    "currency",
    "status",
    "source_status",
    "start_date",
    "end_date",
    "source_ref",
    "source_uri",
    "source_row",
)
REJECT_COLUMNS = ("source_uri", "row_number", "field", "value", "reason")

COMPANY_COLUMNS = (
    "company_id",
    "name",
    "country_iso3",
    "sectors",
    "focus_areas",
    "capabilities",
    "contact_url",
)
COMPANY_REQUIRED = ("company_id", "name", "country_iso3")

MAX_AMOUNT = 1e12
MIN_YEAR = 1950
MAX_YEARS_AHEAD = 30

WB_STATUS = {
    "active": "active",
    "closed": "completed",
    "pipeline": "pipeline",
    "dropped": "cancelled",
}
#: IATI ActivityStatus codelist: 1 Pipeline/identification, 2 Implementation, 3 Finalisation,
#: 4 Closed, 5 Cancelled, 6 Suspended. Suspended is kept as 'active' (the commitment stands;
#: the original code stays in source_status).
IATI_STATUS = {
    "1": "pipeline",
    "2": "active",
    "3": "completed",
    "4": "completed",
    "5": "cancelled",
    "6": "active",
}
IATI_STATUS_NAMES = {
    "1": "Pipeline/identification",
    "2": "Implementation",
    "3": "Finalisation",
    "4": "Closed",
    "5": "Cancelled",
    "6": "Suspended",
}
#: IATI OrganisationType codelist -> financier_type
IATI_ORG_TYPE = {
    "10": "government",
    "11": "government",
    "15": "government",
    "21": "ngo",
    "22": "ngo",
    "23": "ngo",
    "24": "ngo",
    "30": "ppp",
    "40": "multilateral",
    "60": "foundation",
    "70": "private",
    "71": "private",
    "72": "private",
    "73": "private",
    "80": "other",
    "90": "other",
}
#: ISO 3166-1 alpha-2 -> alpha-3 for the ASEAN member states and common partner countries
ISO2_TO_ISO3 = {
    "BN": "BRN",
    "KH": "KHM",
    "ID": "IDN",
    "LA": "LAO",
    "MY": "MYS",
    "MM": "MMR",
    "PH": "PHL",
    "SG": "SGP",
    "TH": "THA",
    "VN": "VNM",
    "JP": "JPN",
    "KR": "KOR",
    "CN": "CHN",
    "AU": "AUS",
    "US": "USA",
}

_PCODE = re.compile(r"(?<![A-Za-z0-9])(P\d{6})(?!\d)")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_THOUSANDS_NUMBER = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_ISO3 = re.compile(r"^[A-Z]{3}$")
#: scripts written without spaces between words: matched as substrings, not on word boundaries
_NO_SPACE_SCRIPTS = re.compile(r"[\u0E00-\u0E7F\u1780-\u17FF\u0E80-\u0EFF\u1000-\u109F]")


# --------------------------------------------------------------------------- small helpers
def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _text(value: Any) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value).strip())


def _fold(text: str) -> str:
    """Case- and accent-insensitive form for matching names (keeps non-Latin scripts)."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c) or ord(c) >= 0x0E00)
    return text.replace("đ", "d")


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, float) and math.isnan(value):
        return []
    if isinstance(value, str):
        return [p.strip() for p in value.split(";") if p.strip()]
    if isinstance(value, dict):
        return [value]
    try:
        return [v for v in list(value) if not _blank(v)]
    except TypeError:
        return [value]


def _split(value: Any) -> list[str]:
    text = _text(value)
    return [p.strip() for p in text.split(";") if p.strip()] if text else []


def load_currencies(path: Path = ISO4217_PATH) -> frozenset[str]:
    """ISO 4217 alphabetic codes from the bundled list."""
    return frozenset(pd.read_csv(path, dtype=str)["code"].str.strip())


def load_sector_map(path: Path = SECTOR_MAP_PATH) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _empty(columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


# --------------------------------------------------------------------------- cities
class _CityIndex:
    """Lookup of registry cities by id, by exact name and by name inside free text."""

    def __init__(self, cities: pd.DataFrame):
        self.ids: dict[str, str] = {}
        self.by_name: dict[str, set[str]] = {}
        self.country: dict[str, str] = {}
        self.patterns: list[tuple[str, re.Pattern]] = []
        for rec in cities.to_dict("records"):
            city_id = _text(rec.get("city_id"))
            if not city_id:
                continue
            self.ids[city_id.casefold()] = city_id
            self.country[city_id] = (_text(rec.get("country_iso3")) or "").upper()
            for name in self._names(rec):
                self.by_name.setdefault(_fold(name), set()).add(city_id)
                self.patterns.append((city_id, self._pattern(name)))

    @staticmethod
    def _names(rec: dict) -> set[str]:
        names = set()
        for key in ("name", "local_name"):
            name = _text(rec.get(key))
            if name:
                names.add(name)
        names.update(_split(rec.get("alt_names")))
        # "Da Nang" is also written "Danang": add the spaceless form of multi-word Latin names
        for name in list(names):
            if " " in name and not _NO_SPACE_SCRIPTS.search(name):
                names.add(name.replace(" ", ""))
        return names

    @staticmethod
    def _pattern(name: str) -> re.Pattern:
        folded = re.escape(_fold(name))
        if _NO_SPACE_SCRIPTS.search(name):
            return re.compile(folded)
        return re.compile(rf"(?<!\w){folded}(?!\w)")

    def resolve(self, value: str) -> tuple[str | None, str | None, str | None]:
        """Register city cell -> (city_id, city_match, problem)."""
        if value.casefold() in self.ids:
            return self.ids[value.casefold()], "explicit", None
        found = self.by_name.get(_fold(value), set())
        if len(found) == 1:
            return next(iter(found)), "name", None
        if len(found) > 1:
            return None, None, "ambiguous_city"
        return None, None, "unknown_city"

    def find_in(self, texts: Iterable[str | None], countries: set[str] | None) -> list[str]:
        hay = " \n ".join(_fold(t) for t in texts if t)
        if not hay.strip():
            return []
        found: list[str] = []
        for city_id, pattern in self.patterns:
            if countries and self.country.get(city_id) not in countries:
                continue
            if city_id not in found and pattern.search(hay):
                found.append(city_id)
        return found


def match_city_in_text(
    index: _CityIndex,
    strong_texts: Iterable[str | None],
    weak_texts: Iterable[str | None],
    countries: set[str] | None = None,
) -> tuple[str | None, str | None, str | None, list[str]]:
    """(city_id, city_match, city_confidence, candidates) from free text.

    strong texts (title, location names, implementing agency): exactly one city -> 'high';
    several -> no city, confidence 'ambiguous'. Only in weak texts (description): one city ->
    'low'. Nothing -> all None (a national project)."""
    strong = index.find_in(strong_texts, countries)
    if len(strong) == 1:
        return strong[0], "name", "high", strong
    if len(strong) > 1:
        return None, None, "ambiguous", strong
    weak = index.find_in(weak_texts, countries)
    if len(weak) == 1:
        return weak[0], "name", "low", weak
    if len(weak) > 1:
        return None, None, "ambiguous", weak
    return None, None, None, []


# --------------------------------------------------------------------------- field parsing
def parse_amount(value: Any) -> tuple[float | None, str | None]:
    """(amount, problem). Empty is missing (None), never zero."""
    if _blank(value):
        return None, None
    if isinstance(value, bool):
        return None, "not_a_number"
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if _THOUSANDS_NUMBER.match(text):
            text = text.replace(",", "")
        if not _PLAIN_NUMBER.match(text):
            return None, "not_a_number"
        number = float(text)
    if math.isnan(number) or math.isinf(number):
        return None, "not_a_number"
    if number < 0:
        return None, "negative_amount"
    if number > MAX_AMOUNT:
        return None, "amount_too_large"
    return number, None


def parse_date(value: Any, today: date | None = None) -> tuple[date | None, str | None]:
    """(date, problem) for an ISO YYYY-MM-DD text or a spreadsheet date cell."""
    if _blank(value):
        return None, None
    today = today or date.today()
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    else:
        text = str(value).strip()
        if "T" in text and _ISO_DATE.match(text.split("T")[0]):
            text = text.split("T")[0]
        m = _ISO_DATE.match(text)
        if not m:
            return None, "bad_date"
        try:
            parsed = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None, "impossible_date"
    if parsed.year < MIN_YEAR or parsed.year > today.year + MAX_YEARS_AHEAD:
        return None, "implausible_year"
    return parsed, None


def resolve_focus_area(value: Any) -> tuple[str | None, str | None]:
    text = _text(value)
    if not text:
        return None, None
    key = text.casefold().replace("&", "and").replace("-", " ")
    key = re.sub(r"\s+", " ", key).strip()
    for fid, display in FOCUS_AREAS.items():
        names = {
            fid,
            fid.replace("_", " "),
            re.sub(r"\s+", " ", display.casefold().replace("&", "and").replace("-", " ")),
        }
        if key in names:
            return fid, None
    return None, "unknown_focus_area"


# --------------------------------------------------------------------------- file reading
def _decode(path: Path, raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError(
            f"{path.name}: file is UTF-16 encoded; save it as 'CSV UTF-8' and upload again"
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValueError(
            f"{path.name}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} on line {line}); "
            "the register must be saved as 'CSV UTF-8' (other encodings such as cp1252 or "
            "latin-1 are refused, not guessed, so names in Khmer, Thai or Vietnamese "
            "cannot be corrupted)"
        ) from None


def _normalise_header(cells: list[Any]) -> list[str]:
    return [re.sub(r"\s+", "_", (_text(c) or "").casefold()) for c in cells]


def _detect_delimiter(path: Path, text: str, expected: tuple[str, ...]) -> str:
    first = text.splitlines()[0] if text.splitlines() else ""
    best, best_hits = ",", -1
    for delim in (",", ";", "\t"):
        cells = next(csv.reader([first], delimiter=delim), [])
        hits = len(set(_normalise_header(cells)) & set(expected))
        if hits > best_hits:
            best, best_hits = delim, hits
    return best


def _read_csv_table(path: Path, expected: tuple[str, ...]) -> tuple[list[str], list[list[Any]]]:
    raw = path.read_bytes()
    text = _decode(path, raw)
    if not text.strip():
        raise ValueError(f"{path.name}: file is empty (no header row)")
    delim = _detect_delimiter(path, text, expected)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    return _normalise_header(rows[0]), rows[1:]


def _xlsx_merged_ranges(path: Path, worksheet_path: str) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(worksheet_path.lstrip("/")).decode("utf-8", "replace")
    return re.findall(r'<mergeCell\s+ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"', xml)


def _read_xlsx_table(
    path: Path, expected: tuple[str, ...]
) -> tuple[list[str], list[list[Any]], dict[tuple[int, int], str]]:
    """(header, rows, formula_cells): formula_cells maps (data row index, col) -> cell ref of
    a formula that has no cached value."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    head = path.read_bytes()[:8]
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValueError(
            f"{path.name}: workbook is encrypted (password-protected) or an old .xls file; "
            "remove the password / save as .xlsx"
        )
    try:
        wb_values = load_workbook(path, read_only=True, data_only=True)
        wb_formulas = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a bad file
        raise ValueError(
            f"{path.name}: not a readable .xlsx workbook (corrupt or password-protected): "
            f"{type(exc).__name__}: {exc}"
        ) from None
    try:
        names = wb_values.sheetnames
        pick = next(
            (n for n in names if n.casefold() in ("register", "projects", "companies")), names[0]
        )
        ws_v, ws_f = wb_values[pick], wb_formulas[pick]
        merged = _xlsx_merged_ranges(path, ws_v._worksheet_path)
        if merged:
            raise ValueError(
                f"{path.name}: sheet '{pick}' has merged cells ({', '.join(merged[:5])}); "
                "unmerge them so that every row holds its own values"
            )
        values = [list(r) for r in ws_v.iter_rows(values_only=True)]
        formulas = [list(r) for r in ws_f.iter_rows(values_only=True)]
    finally:
        wb_values.close()
        wb_formulas.close()
    if not values or not any(not _blank(c) for r in values for c in r):
        raise ValueError(f"{path.name}: sheet '{pick}' is empty (no header row)")
    formula_cells: dict[tuple[int, int], str] = {}
    for i, (vrow, frow) in enumerate(zip(values[1:], formulas[1:], strict=False)):
        for j, (v, f) in enumerate(zip(vrow, frow, strict=False)):
            if v is None and isinstance(f, str) and f.startswith("="):
                formula_cells[(i, j)] = f"{get_column_letter(j + 1)}{i + 2}"
    return _normalise_header(values[0]), values[1:], formula_cells


def _read_table(path: Path, expected: tuple[str, ...], required: tuple[str, ...]):
    path = Path(path)
    suffix = path.suffix.casefold()
    if not path.exists():
        raise ValueError(f"{path.name}: file not found ({path})")
    if suffix in (".csv", ".txt", ".tsv"):
        header, rows = _read_csv_table(path, expected)
        formula_cells: dict = {}
    elif suffix in (".xlsx", ".xlsm"):
        header, rows, formula_cells = _read_xlsx_table(path, expected)
    else:
        raise ValueError(f"{path.name}: unsupported file type '{path.suffix}' (use .csv or .xlsx)")
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise ValueError(f"{path.name}: duplicate column(s) {', '.join(dupes)}")
    missing = [c for c in required if c not in header]
    if missing:
        raise ValueError(
            f"{path.name}: missing required column(s): {', '.join(missing)} "
            f"(found: {', '.join(h for h in header if h) or 'none'}; "
            "expected delimiter , ; or tab and the header of the template)"
        )
    extra = [h for h in header if h and h not in expected]
    return header, rows, formula_cells, extra


# --------------------------------------------------------------------------- project register
def read_project_register(
    path: Path, cities: pd.DataFrame, today: date | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a city project register (.csv UTF-8 or .xlsx) into (rows, rejects).

    rows have CONFORMED_COLUMNS with source_id='project_register'; rows.attrs['warnings'] lists
    file-level notes (extra columns ignored, no data rows)."""
    path = Path(path)
    uri = str(path)
    header, raw_rows, formula_cells, extra = _read_table(path, REGISTER_COLUMNS, REGISTER_REQUIRED)
    warnings = [f"{path.name}: column '{c}' is not in the template and was ignored" for c in extra]
    index = _CityIndex(cities)
    currencies = load_currencies()
    col = {name: header.index(name) for name in REGISTER_COLUMNS if name in header}

    rejects: list[dict] = []
    parsed: list[tuple[int, dict]] = []
    for i, raw in enumerate(raw_rows):
        row_number = i + 1
        if all(_blank(c) for c in raw):
            continue
        problems: list[tuple[str, Any, str]] = []
        if len(raw) > len(header) and any(not _blank(c) for c in raw[len(header) :]):
            problems.append(
                ("*", f"{len(raw)} cells", f"too_many_cells (header has {len(header)})")
            )
        for (ri, cj), ref in formula_cells.items():
            if ri == i:
                problems.append(
                    (
                        header[cj] or f"column {cj + 1}",
                        ref,
                        f"formula_without_cached_value in cell {ref}",
                    )
                )

        def cell(name: str, _raw=raw) -> Any:
            j = col.get(name)
            return _raw[j] if j is not None and j < len(_raw) else None

        rec: dict[str, Any] = {}
        for name in REGISTER_REQUIRED:
            if _blank(cell(name)) and not any(p[0] == name for p in problems):
                problems.append((name, None, "missing_required"))
        pid = _text(cell("project_id"))
        city_text = _text(cell("city"))
        city_id = city_match = None
        if city_text:
            city_id, city_match, problem = index.resolve(city_text)
            if problem:
                problems.append(("city", city_text, problem))
        focus, problem = resolve_focus_area(cell("focus_area"))
        if problem:
            problems.append(("focus_area", _text(cell("focus_area")), problem))
        ftype = _text(cell("financier_type"))
        if ftype and ftype.casefold() not in FINANCIER_TYPES:
            problems.append(("financier_type", ftype, "unknown_financier_type"))
        countries = [c.upper() for c in _split(cell("partner_countries"))]
        for c in countries:
            if not _ISO3.match(c):
                problems.append(("partner_countries", c, "bad_country_code"))
        cost, problem = parse_amount(cell("cost"))
        if problem:
            problems.append(("cost", _text(cell("cost")), problem))
        currency = (_text(cell("currency")) or "").upper() or None
        if currency and currency not in currencies:
            problems.append(("currency", currency, "unknown_currency"))
        if cost is not None and not currency:
            problems.append(("currency", None, "missing_currency"))
        status = (_text(cell("status")) or "").casefold() or None
        if status and status not in STATUSES:
            problems.append(("status", _text(cell("status")), "unknown_status"))
        start, problem = parse_date(cell("start_date"), today)
        if problem:
            problems.append(("start_date", _text(cell("start_date")), problem))
        end, problem = parse_date(cell("end_date"), today)
        if problem:
            problems.append(("end_date", _text(cell("end_date")), problem))
        if start and end and start > end:
            problems.append(("start_date", f"{start} > {end}", "start_after_end"))
        for field, value, reason in problems:
            rejects.append(
                {
                    "source_uri": uri,
                    "row_number": row_number,
                    "field": field,
                    "value": None if value is None else str(value),
                    "reason": reason,
                }
            )
        if problems:
            continue
        source = _text(cell("source"))
        rec.update(
            source_id=SOURCE_REGISTER,
            source_project_id=pid,
            city_id=city_id,
            city_match=city_match,
            city_confidence="high",
            city_candidates=[city_id],
            title=_text(cell("title")),
            description=None,
            sector=_text(cell("sector")),
            sector_codes=[],
            focus_area_id=focus,
            financier=_text(cell("financier")),
            financier_type=ftype.casefold() if ftype else None,
            partner_companies=_split(cell("partner_companies")),
            partner_countries=countries,
            cost=cost,
            project_cost=None,
            currency=currency,
            status=status,
            source_status=_text(cell("status")),
            start_date=start,
            end_date=end,
            source_ref=source,
            source_uri=uri,
            source_row=row_number,
        )
        parsed.append((row_number, rec))

    # duplicate project ids (over every non-blank row, valid or not): no row with the id is kept
    counts: dict[str, list[int]] = {}
    if "project_id" in col:
        for i, raw in enumerate(raw_rows):
            j = col["project_id"]
            pid = _text(raw[j]) if j < len(raw) else None
            if pid:
                counts.setdefault(pid, []).append(i + 1)
    rows = []
    for row_number, rec in parsed:
        seen = counts[rec["source_project_id"]]
        if len(seen) > 1:
            rejects.append(
                {
                    "source_uri": uri,
                    "row_number": row_number,
                    "field": "project_id",
                    "value": rec["source_project_id"],
                    "reason": f"duplicate_project_id (rows {', '.join(map(str, seen))})",
                }
            )
        else:
            rows.append(rec)
    frame = (
        pd.DataFrame(rows, columns=list(CONFORMED_COLUMNS)) if rows else _empty(CONFORMED_COLUMNS)
    )
    if not raw_rows or all(all(_blank(c) for c in r) for r in raw_rows):
        warnings.append(f"{path.name}: header only, no data rows")
    frame.attrs["warnings"] = warnings
    rej = pd.DataFrame(rejects, columns=list(REJECT_COLUMNS)) if rejects else _empty(REJECT_COLUMNS)
    return frame, rej


# --------------------------------------------------------------------------- sector mapping
def focus_for_codes(sector_map: pd.DataFrame, vocabulary: str, codes: Iterable[str]) -> str | None:
    """Focus area of the first code (in the source's order, i.e. largest share first for the
    World Bank) that the mapping file covers; None when no code is mapped."""
    sub = sector_map[sector_map["vocabulary"] == vocabulary]
    lookup = dict(zip(sub["code"].astype(str), sub["focus_area_id"], strict=False))
    for code in codes:
        focus = lookup.get(str(code).strip())
        if focus:
            return focus
    return None


def _codes(value: Any) -> list[str]:
    out = []
    for v in _as_list(value):
        if isinstance(v, dict):
            v = v.get("code")
        if not _blank(v):
            out.append(str(v).strip())
    return out


def _names_text(value: Any) -> str | None:
    items = []
    for v in _as_list(value):
        if isinstance(v, dict):
            v = v.get("name") or v.get("Name")
        if not _blank(v):
            items.append(str(v).strip())
    return "; ".join(dict.fromkeys(items)) or None


def _date_or_none(value: Any) -> date | None:
    parsed, _ = parse_date(value)
    return parsed


def _finish(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return _empty(CONFORMED_COLUMNS)
    return pd.DataFrame(rows, columns=list(CONFORMED_COLUMNS))


# --------------------------------------------------------------------------- World Bank
def conform_worldbank(
    frame: pd.DataFrame, cities: pd.DataFrame, sector_map: pd.DataFrame
) -> pd.DataFrame:
    """World Bank projects normalised by assets.projects.worldbank_projects_api
    (parse_projects_payload) -> CONFORMED_COLUMNS."""
    index = _CityIndex(cities)
    rows = []
    for i, r in enumerate(frame.to_dict("records")):
        iso2 = (_text(r.get("country_iso2")) or "").upper()
        countries = {ISO2_TO_ISO3[iso2]} if iso2 in ISO2_TO_ISO3 else None
        description = _text(r.get("description"))
        explicit = _text(r.get("city_id"))
        if explicit and explicit.casefold() in index.ids:
            city = (index.ids[explicit.casefold()], "explicit", "high", [explicit])
        else:
            city = match_city_in_text(
                index,
                [_text(r.get("title")), _text(r.get("implementing_agency"))],
                [description],
                countries,
            )
        sector_codes = _codes(r.get("sector_codes"))
        focus = focus_for_codes(sector_map, "worldbank_sector", sector_codes) or focus_for_codes(
            sector_map, "worldbank_major_sector", _codes(r.get("major_sector_codes"))
        )
        status_raw = _text(r.get("status"))
        cost, _ = parse_amount(r.get("total_commitment_usd"))
        project_cost, _ = parse_amount(r.get("project_cost_usd"))
        rows.append(
            dict(
                source_id=SOURCE_WORLDBANK,
                source_project_id=_text(r.get("project_id")),
                city_id=city[0],
                city_match=city[1],
                city_confidence=city[2],
                city_candidates=city[3],
                title=_text(r.get("title")),
                description=description,
                sector=_names_text(r.get("sector_names")),
                sector_codes=sector_codes,
                focus_area_id=focus,
                financier="World Bank",
                financier_type="multilateral",
                partner_companies=[],
                partner_countries=[],
                cost=cost,
                project_cost=project_cost,
                currency="USD" if cost is not None or project_cost is not None else None,
                status=WB_STATUS.get((status_raw or "").casefold()),
                source_status=status_raw,
                start_date=_date_or_none(r.get("board_approval_date")),
                end_date=_date_or_none(r.get("closing_date")),
                source_ref=_text(r.get("url")),
                source_uri=_text(r.get("_source_uri")) or _text(r.get("url")),
                source_row=i + 1,
            )
        )
    return _finish(rows)


# --------------------------------------------------------------------------- IATI
def conform_iati(
    frame: pd.DataFrame, cities: pd.DataFrame, sector_map: pd.DataFrame
) -> pd.DataFrame:
    """IATI Datastore normalised activities -> CONFORMED_COLUMNS."""
    index = _CityIndex(cities)
    rows = []
    for i, r in enumerate(frame.to_dict("records")):
        recipients = {
            ISO2_TO_ISO3.get(str(c).upper()) for c in _as_list(r.get("recipient_countries"))
        }
        recipients.discard(None)
        locations = [str(v) for v in _as_list(r.get("location_names"))]
        description = _text(r.get("description"))
        city = match_city_in_text(
            index, [_text(r.get("title")), *locations], [description], recipients or None
        )
        sector_codes = _codes(r.get("sector_codes"))
        vocabs = _as_list(r.get("sector_vocabularies"))
        if len(vocabs) == len(sector_codes):  # keep OECD DAC 5-digit codes (vocabulary 1)
            sector_codes = [c for c, v in zip(sector_codes, vocabs, strict=True) if str(v) == "1"]
        status_code = _text(r.get("activity_status_code"))
        cost, _ = parse_amount(r.get("budget_value_sum"))
        org_type = _text(r.get("reporting_org_type"))
        rows.append(
            dict(
                source_id=SOURCE_IATI,
                source_project_id=_text(r.get("iati_identifier")),
                city_id=city[0],
                city_match=city[1],
                city_confidence=city[2],
                city_candidates=city[3],
                title=_text(r.get("title")),
                description=description,
                sector=_sector_names(sector_map, "dac5", sector_codes),
                sector_codes=sector_codes,
                focus_area_id=focus_for_codes(sector_map, "dac5", sector_codes),
                financier=_text(r.get("reporting_org_name")),
                financier_type=IATI_ORG_TYPE.get(org_type) if org_type else None,
                partner_companies=[],
                partner_countries=[],
                cost=cost,
                project_cost=None,
                currency=(_text(r.get("currency")) or "").upper() or None,
                status=IATI_STATUS.get(status_code or ""),
                source_status=(
                    f"{status_code} {IATI_STATUS_NAMES.get(status_code, '')}".strip()
                    if status_code
                    else None
                ),
                start_date=_date_or_none(r.get("start_date")),
                end_date=_date_or_none(r.get("end_date")),
                source_ref=_text(r.get("iati_identifier")),
                source_uri=_text(r.get("_source_uri")),
                source_row=i + 1,
            )
        )
    return _finish(rows)


def _sector_names(sector_map: pd.DataFrame, vocabulary: str, codes: list[str]) -> str | None:
    sub = sector_map[sector_map["vocabulary"] == vocabulary]
    lookup = dict(zip(sub["code"].astype(str), sub["name"], strict=False))
    names = [lookup[c] for c in codes if c in lookup]
    return "; ".join(names) or None


# --------------------------------------------------------------------------- currency
class UsdConversion(NamedTuple):
    """(usd, rate, rate_year, rate_source). When usd is None, rate_source holds the reason:
    'no_amount', 'no_currency', 'no_year' or 'no_rate'. A rate is never guessed: only the exact
    (currency, year) row of the rates table is used."""

    usd: float | None
    rate: float | None
    rate_year: int | None
    rate_source: str | None

    @property
    def reason(self) -> str | None:
        return self.rate_source if self.usd is None else None


def to_usd(amount: Any, currency: Any, year: Any, rates: pd.DataFrame) -> UsdConversion:
    """Convert amount in currency to US$ with the period-average rate of `year`.

    rates: currency, year, units_per_usd, source (LCU per US$, e.g. World Bank PA.NUS.FCRF)."""
    value, problem = parse_amount(amount)
    if value is None:
        return UsdConversion(None, None, None, "no_amount" if not problem else problem)
    code = (_text(currency) or "").upper()
    if not code:
        return UsdConversion(None, None, None, "no_currency")
    if code == "USD":
        return UsdConversion(value, 1.0, int(year) if not _blank(year) else None, "identity")
    if _blank(year):
        return UsdConversion(None, None, None, "no_year")
    year = int(year)
    if rates is None or rates.empty:
        return UsdConversion(None, None, None, "no_rate")
    hit = rates[
        (rates["currency"].astype(str).str.upper() == code)
        & (pd.to_numeric(rates["year"], errors="coerce") == year)
    ]
    if hit.empty:
        return UsdConversion(None, None, None, "no_rate")
    rate = float(hit.iloc[0]["units_per_usd"])
    if not rate > 0:
        return UsdConversion(None, None, None, "no_rate")
    return UsdConversion(value / rate, rate, year, str(hit.iloc[0]["source"]))


def add_usd(conformed: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    """Add cost_usd, fx_rate, fx_rate_year, fx_rate_source, fx_flag (the reason when cost_usd
    is missing). The rate year is the start_date year."""
    out = conformed.copy()
    results = [
        to_usd(
            r.get("cost"),
            r.get("currency"),
            r["start_date"].year if isinstance(r.get("start_date"), date) else None,
            rates,
        )
        for r in out.to_dict("records")
    ]
    out["cost_usd"] = [c.usd for c in results]
    out["fx_rate"] = [c.rate for c in results]
    out["fx_rate_year"] = [c.rate_year for c in results]
    out["fx_rate_source"] = [c.rate_source if c.usd is not None else None for c in results]
    out["fx_flag"] = [c.reason for c in results]
    return out


# --------------------------------------------------------------------------- de-duplication
def normalise_title(title: Any) -> str:
    text = _fold(_text(title) or "")
    text = re.sub(r"\([^)]*\)", " ", text)  # drop acronyms in brackets: "(SCDP)"
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _pcodes(*values: Any) -> set[str]:
    found: set[str] = set()
    for v in values:
        if not _blank(v):
            found.update(_PCODE.findall(str(v)))
    return found


def link_duplicates(conformed: pd.DataFrame) -> pd.DataFrame:
    """Add project_key and is_primary so one project reported by several sources is counted
    once. Rows are linked when (1) they carry the same World Bank P-code (WB source_project_id,
    inside an IATI identifier, or in a register project_id/source), or (2) they have the same
    normalised title, the same non-null city_id and the same start year. Links are transitive.
    is_primary marks one row per key: register > worldbank > iati, then the first row."""
    out = conformed.reset_index(drop=True).copy()
    n = len(out)
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first_by: dict[tuple, int] = {}
    for i, r in enumerate(out.to_dict("records")):
        keys = [("p", p) for p in _pcodes(r.get("source_project_id"), r.get("source_ref"))]
        start = r.get("start_date")
        title = normalise_title(r.get("title"))
        if title and not _blank(r.get("city_id")) and isinstance(start, date):
            keys.append(("t", title, r["city_id"], start.year))
        for key in keys:
            if key in first_by:
                union(first_by[key], i)
            else:
                first_by[key] = i

    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    project_key = [None] * n
    is_primary = [False] * n
    records = out.to_dict("records")
    for members in groups.values():
        ordered = sorted(
            members, key=lambda i: (SOURCE_PRECEDENCE.get(records[i].get("source_id"), 9), i)
        )
        pcodes = sorted(
            set().union(
                *(
                    _pcodes(records[i].get("source_project_id"), records[i].get("source_ref"))
                    for i in members
                )
            )
        )
        if pcodes:
            key = f"wb:{pcodes[0]}"
        else:
            head = records[ordered[0]]
            digest = hashlib.sha1(
                f"{head.get('source_id')}|{head.get('source_project_id')}".encode()
            ).hexdigest()[:12]
            key = f"pk:{digest}"
        for i in members:
            project_key[i] = key
        is_primary[ordered[0]] = True
    out["project_key"] = project_key
    out["is_primary"] = is_primary
    return out


# --------------------------------------------------------------------------- companies
def read_company_register(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a company register (.csv UTF-8 or .xlsx) into (companies, rejects)."""
    path = Path(path)
    uri = str(path)
    header, raw_rows, formula_cells, _extra = _read_table(path, COMPANY_COLUMNS, COMPANY_REQUIRED)
    col = {name: header.index(name) for name in COMPANY_COLUMNS if name in header}
    rows, rejects, ids = [], [], {}
    for i, raw in enumerate(raw_rows):
        if all(_blank(c) for c in raw):
            continue

        def cell(name: str, _raw=raw) -> Any:
            j = col.get(name)
            return _raw[j] if j is not None and j < len(_raw) else None

        problems = [
            (header[cj], ref, f"formula_without_cached_value in cell {ref}")
            for (ri, cj), ref in formula_cells.items()
            if ri == i
        ]
        for name in COMPANY_REQUIRED:
            if _blank(cell(name)):
                problems.append((name, None, "missing_required"))
        iso3 = (_text(cell("country_iso3")) or "").upper()
        if iso3 and not _ISO3.match(iso3):
            problems.append(("country_iso3", iso3, "bad_country_code"))
        focus_ids = []
        for f in _split(cell("focus_areas")):
            fid, problem = resolve_focus_area(f)
            if problem:
                problems.append(("focus_areas", f, problem))
            else:
                focus_ids.append(fid)
        for field, value, reason in problems:
            rejects.append(
                {
                    "source_uri": uri,
                    "row_number": i + 1,
                    "field": field,
                    "value": value,
                    "reason": reason,
                }
            )
        if problems:
            continue
        cid = _text(cell("company_id"))
        ids.setdefault(cid, []).append(i + 1)
        rows.append(
            {
                "company_id": cid,
                "name": _text(cell("name")),
                "country_iso3": iso3,
                "sectors": _split(cell("sectors")),
                "focus_areas": focus_ids,
                "capabilities": _text(cell("capabilities")),
                "contact_url": _text(cell("contact_url")),
                "source_row": i + 1,
            }
        )
    kept = []
    for rec in rows:
        if len(ids[rec["company_id"]]) > 1:
            rejects.append(
                {
                    "source_uri": uri,
                    "row_number": rec["source_row"],
                    "field": "company_id",
                    "value": rec["company_id"],
                    "reason": "duplicate_company_id",
                }
            )
        else:
            kept.append(rec)
    companies = pd.DataFrame(kept) if kept else _empty((*COMPANY_COLUMNS, "source_row"))
    rej = pd.DataFrame(rejects, columns=list(REJECT_COLUMNS)) if rejects else _empty(REJECT_COLUMNS)
    return companies, rej


PREFERRED_COUNTRIES = {"KHM": ("JPN", "KHM")}


def _project_country(rec: dict) -> str | None:
    if not _blank(rec.get("country_iso3")):
        return str(rec["country_iso3"]).upper()
    city_id = rec.get("city_id")
    if isinstance(city_id, str) and re.match(r"^[a-z]{3}-", city_id):
        return city_id[:3].upper()
    return None


def match_companies(companies: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """Rank companies against open projects (status pipeline/active).

    Score: +3 when the project's focus area is one of the company's focus areas; +1 for each
    company sector word found in the project's sector/title text; +1 for each project sector
    term found in the company's capabilities. A pair is kept only when this score > 0. Then
    +1 when the project is in Cambodia (KHM) and the company is Japanese or Cambodian
    (JPN/KHM): the ASCN Battambang partnership context. rank 1 = best, per project."""
    out_cols = [
        "project_key",
        "source_id",
        "source_project_id",
        "city_id",
        "company_id",
        "company_name",
        "country_iso3",
        "score",
        "rank",
        "reason",
    ]
    results = []
    if companies.empty or projects.empty:
        return _empty(out_cols)
    open_projects = projects[projects["status"].isin(OPEN_STATUSES)]
    if "is_primary" in open_projects.columns:
        open_projects = open_projects[open_projects["is_primary"].astype(bool)]
    for p in open_projects.to_dict("records"):
        sector_text = _fold(
            " ".join(x for x in (_text(p.get("sector")), _text(p.get("title"))) if x)
        )
        project_terms = [
            t.strip()
            for t in re.split(r"[;,/]", _fold(_text(p.get("sector")) or ""))
            if len(t.strip()) > 2
        ]
        country = _project_country(p)
        for c in companies.to_dict("records"):
            score, reasons = 0, []
            focus = p.get("focus_area_id")
            if not _blank(focus) and focus in (c.get("focus_areas") or []):
                score += 3
                reasons.append(f"focus area {focus} matches")
            for s in c.get("sectors") or []:
                if re.search(rf"(?<!\w){re.escape(_fold(s))}(?!\w)", sector_text):
                    score += 1
                    reasons.append(f"company sector '{s}' in project sector/title")
            caps = _fold(_text(c.get("capabilities")) or "")
            for term in project_terms:
                if caps and re.search(rf"(?<!\w){re.escape(term)}(?!\w)", caps):
                    score += 1
                    reasons.append(f"sector '{term}' in capabilities")
            if score == 0:
                continue
            if (
                country in PREFERRED_COUNTRIES
                and c.get("country_iso3") in PREFERRED_COUNTRIES[country]
            ):
                score += 1
                reasons.append(f"{c['country_iso3']} firm preferred for {country} project")
            results.append(
                {
                    "project_key": p.get("project_key"),
                    "source_id": p.get("source_id"),
                    "source_project_id": p.get("source_project_id"),
                    "city_id": p.get("city_id"),
                    "company_id": c["company_id"],
                    "company_name": c["name"],
                    "country_iso3": c.get("country_iso3"),
                    "score": score,
                    "rank": None,
                    "reason": "; ".join(reasons),
                }
            )
    if not results:
        return _empty(out_cols)
    frame = pd.DataFrame(results, columns=out_cols)
    frame = frame.sort_values(
        ["source_id", "source_project_id", "score", "company_name"],
        ascending=[True, True, False, True],
        kind="stable",
    )
    frame["rank"] = frame.groupby(["source_id", "source_project_id"]).cumcount() + 1
    return frame.reset_index(drop=True)
