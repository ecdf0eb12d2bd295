"""Every setting of the platform, read from the environment when asked for (never at import).

See README "Configuration" for the table of variables. Paths default to folders of this repository.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def _number(name: str, default: float, *, minimum: float, integer: bool = False) -> float:
    """A numeric setting; a bad value fails naming the variable and what it must be."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise ValueError(f"{name} must be {kind} >= {minimum:g}, got {text!r}") from None
    if not value >= minimum:  # also refuses nan
        raise ValueError(f"{name} must be >= {minimum:g}, got {text!r}")
    return value


def _whole(name: str, default: int, minimum: int) -> int:
    return int(_number(name, default, minimum=minimum, integer=True))


def _choice(name: str, default: str, allowed: set[str]) -> str:
    value = os.environ.get(name, "").strip().lower() or default
    if value not in allowed:
        raise ValueError(f"{name} must be one of {sorted(allowed)}, got {value!r}")
    return value


def _flag(name: str) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value not in {"", "0", "1", "false", "true"}:
        raise ValueError(f"{name} must be 0/1 or false/true, got {value!r}")
    return value in {"1", "true"}


_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")
_MEMORY = re.compile(r"^\d+(\.\d+)?\s*([KMGT]i?B|B)$|^\d+(\.\d+)?%$", re.IGNORECASE)


def _url(name: str, default: str) -> str:
    """A base URL setting: http(s)://host[/path]; anything else fails naming the variable."""
    value = os.environ.get(name, "").strip() or default
    if not _URL.match(value):
        raise ValueError(f"{name} must be an http:// or https:// URL, got {value!r}")
    return value


def _memory(name: str, default: str) -> str:
    """A DuckDB memory size such as 1500MB, 2GiB or 80%; anything else fails naming the variable."""
    value = os.environ.get(name, "").strip() or default
    if not _MEMORY.match(value):
        raise ValueError(f"{name} must be a size such as 1500MB, 2GB or 80%, got {value!r}")
    return value


def _optional_dir(name: str) -> Path | None:
    """An optional folder; a value that is not an existing folder fails naming the variable."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    path = Path(value).expanduser().resolve()
    if not path.is_dir():
        raise ValueError(f"{name} must name an existing folder, got {value!r}")
    return path


def _iso_day(name: str) -> str | None:
    """An optional date setting written YYYY-MM-DD."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from None


_CONTACT = re.compile(r"^(?:[^@\s]+@[^@\s]+\.[^@\s]+|https?://[^\s]+)$")


def _contact(name: str) -> str:
    """An e-mail address or an http(s) URL, sent in the User-Agent (so no control characters)."""
    value = os.environ.get(name, "").strip()
    if value and (len(value) > 200 or not _CONTACT.match(value) or not value.isprintable()):
        raise ValueError(
            f"{name} must be an e-mail address or an http(s) URL of at most 200 characters, "
            f"got {value!r}"
        )
    return value


# Settings that hold a filesystem path (resolved when overridden from configuration).
PATH_FIELDS = frozenset({"data_dir", "output_dir", "inbox_dir", "osm_pbf"})
# Project-family paths (optional folders a user points at; resolved like the others).
PATH_FIELDS = PATH_FIELDS | {"worldbank_projects_export_dir", "aiddata_gcdf_dir"}


@dataclass(frozen=True)
class Settings:
    mode: str = "offline"  # "offline" (bundled snapshots) or "live" (real APIs)
    data_dir: Path = REPO_ROOT / "data"
    output_dir: Path = REPO_ROOT / "output"
    inbox_dir: Path = REPO_ROOT / "data" / "inbox"
    worldbank_api_url: str = "https://api.worldbank.org/v2"
    worldbank_projects_api_url: str = "https://search.worldbank.org/api/v2/projects"
    iati_api_url: str = "https://api.iatistandard.org/datastore"
    iati_api_key: str | None = field(default=None, repr=False)
    overpass_url: str = "https://overpass-api.de/api/interpreter"
    osm_pbf: Path | None = None
    # Overpass query settings ([timeout:N][maxsize:N]); the HTTP read timeout waits longer.
    overpass_timeout_s: int = 180
    overpass_maxsize_bytes: int = 536_870_912  # Overpass's own default, 512 MiB
    http_timeout_s: float = 60.0
    http_max_retries: int = 5
    # Kept HTTP answers younger than this are reused without a request (see framework/answers.py).
    http_max_age_hours: float = 20.0
    # Whom the operators of an API can contact about our traffic (sent in the User-Agent).
    contact: str = ""
    # DuckDB's own budget for the build; beyond it DuckDB spills to output/build/spill.
    duckdb_memory_limit: str = "1500MB"
    # Rebuild every asset even when its inputs are unchanged (default: skip unchanged work).
    force_rebuild: bool = False
    # `make run` output: "steps" (one line per step) or "debug" (Dagster's full event log).
    run_log: str = "steps"
    # Bounds of one register file in the inbox (assets/projects/register.py): larger input is
    # refused with a message naming the file and the setting, before it is read into memory.
    register_max_bytes: int = 64 * 1024 * 1024
    register_max_rows: int = 100_000
    register_max_cell_chars: int = 32_767  # Excel's own limit for one cell
    xlsx_max_uncompressed_bytes: int = 256 * 1024 * 1024  # sum of the zip members' sizes
    # A project status older than this many days is shown "<status> as of <date>", never as
    # current, and is not counted as active (default three years).
    status_max_age_days: int = 1095
    # A downloaded World Bank projects-list export (projects, sectors, locations, financiers
    # CSV files): read instead of the bundled 2013 records or the live API when set.
    worldbank_projects_export_dir: Path | None = None
    # The export's as-of date (YYYY-MM-DD) when its file names do not carry one ("asof2025-03-31").
    worldbank_projects_export_as_of: str | None = None
    # AidData GCDF 3.0 ADM1/ADM2 location files (ODC-By 1.0); not bundled, so none by default.
    aiddata_gcdf_dir: Path | None = None

    @property
    def live(self) -> bool:
        return self.mode == "live"

    @property
    def published_db(self) -> Path:
        return self.output_dir / "ascn.duckdb"

    @property
    def build_db(self) -> Path:
        return self.output_dir / "build" / "ascn_build.duckdb"

    @property
    def duckdb_config(self) -> dict[str, str]:
        """Connection settings of the build database (bounded memory, spill folder)."""
        return {
            "memory_limit": self.duckdb_memory_limit,
            "temp_directory": str(self.build_db.parent / "spill"),
            # Lets large sorts and aggregates stream and spill; every mart has an ORDER BY.
            "preserve_insertion_order": "false",
        }

    @property
    def http_cache_dir(self) -> Path:
        """Kept HTTP answers of live runs (outside the build file, so they outlive a failed run)."""
        return self.output_dir / "cache" / "http"

    @property
    def parquet_dir(self) -> Path:
        return self.output_dir / "parquet"

    @property
    def reports_dir(self) -> Path:
        return self.output_dir / "reports"

    @property
    def reference_dir(self) -> Path:
        return self.data_dir / "reference"

    @property
    def catalogue_dir(self) -> Path:
        return self.data_dir / "catalogue"

    @property
    def sources_dir(self) -> Path:
        return self.data_dir / "sources"

    @classmethod
    def from_env(cls) -> Settings:
        mode = os.environ.get("ASCN_MODE", "offline").strip().lower()
        if mode not in {"offline", "live"}:
            raise ValueError(f"ASCN_MODE must be 'offline' or 'live', got {mode!r}")
        data_dir = _path("ASCN_DATA_DIR", REPO_ROOT / "data")
        pbf = os.environ.get("ASCN_OSM_PBF")
        d = cls()
        return cls(
            mode=mode,
            data_dir=data_dir,
            output_dir=_path("ASCN_OUTPUT_DIR", REPO_ROOT / "output"),
            inbox_dir=_path("ASCN_INBOX_DIR", data_dir / "inbox"),
            worldbank_api_url=_url("ASCN_WORLDBANK_API_URL", d.worldbank_api_url),
            worldbank_projects_api_url=_url(
                "ASCN_WORLDBANK_PROJECTS_API_URL", d.worldbank_projects_api_url
            ),
            iati_api_url=_url("ASCN_IATI_API_URL", d.iati_api_url),
            iati_api_key=os.environ.get("IATI_API_KEY") or None,
            overpass_url=_url("ASCN_OVERPASS_URL", d.overpass_url),
            osm_pbf=Path(pbf).expanduser().resolve() if pbf else None,
            overpass_timeout_s=int(
                _number("ASCN_OVERPASS_TIMEOUT_S", d.overpass_timeout_s, minimum=1, integer=True)
            ),
            overpass_maxsize_bytes=int(
                _number(
                    "ASCN_OVERPASS_MAXSIZE_BYTES",
                    d.overpass_maxsize_bytes,
                    minimum=1_000_000,
                    integer=True,
                )  # fmt: skip
            ),
            http_timeout_s=_number("ASCN_HTTP_TIMEOUT_S", d.http_timeout_s, minimum=0.1),
            http_max_retries=int(
                _number("ASCN_HTTP_MAX_RETRIES", d.http_max_retries, minimum=0, integer=True)
            ),
            http_max_age_hours=_number("ASCN_HTTP_MAX_AGE_HOURS", d.http_max_age_hours, minimum=0),
            contact=_contact("ASCN_CONTACT"),
            duckdb_memory_limit=_memory("ASCN_DUCKDB_MEMORY_LIMIT", d.duckdb_memory_limit),
            force_rebuild=_flag("ASCN_FORCE_REBUILD"),
            run_log=_choice("ASCN_RUN_LOG", d.run_log, {"steps", "debug"}),
            register_max_bytes=_whole("ASCN_REGISTER_MAX_BYTES", d.register_max_bytes, 1024),
            register_max_rows=_whole("ASCN_REGISTER_MAX_ROWS", d.register_max_rows, 1),
            register_max_cell_chars=_whole(
                "ASCN_REGISTER_MAX_CELL_CHARS", d.register_max_cell_chars, 1
            ),
            xlsx_max_uncompressed_bytes=_whole(
                "ASCN_XLSX_MAX_UNCOMPRESSED_BYTES", d.xlsx_max_uncompressed_bytes, 1024
            ),
            status_max_age_days=int(
                _number("ASCN_STATUS_MAX_AGE_DAYS", d.status_max_age_days, minimum=1, integer=True)
            ),
            worldbank_projects_export_dir=_optional_dir("ASCN_WORLDBANK_PROJECTS_EXPORT_DIR"),
            worldbank_projects_export_as_of=_iso_day("ASCN_WORLDBANK_PROJECTS_EXPORT_AS_OF"),
            aiddata_gcdf_dir=_optional_dir("ASCN_AIDDATA_GCDF_DIR"),
        )
