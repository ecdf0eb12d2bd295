"""Every register file of a run, read one by one: what is published and what the officer is told.

* Isolation: any failure reading one file (any exception) refuses that file alone, with a
  message naming it; every other file goes on.
* Duplicates across files: a project id in several files is published once, from the bundled
  file if it is one of them, else from the file that published it before; every other copy is
  quarantined naming both files and rows. With no such owner, no copy is published.
* Last good version: a file that turns unreadable, comes back header-only or disappears keeps
  the rows of its last good version published (`from_last_good_version`, with
  `last_good_version_date`), and so does a project whose row turns bad in a file that is still
  read. Only `<name>.removed` in the inbox (the file removed on purpose) or a fixed file ends it.
  The last good rows live in `raw.project_register_last_good` (`LAST_GOOD_TABLE`).
* Feedback: one row per file in `quarantine.file_feedback` (accepted, partial, refused,
  missing, removed, not_read) with its counts and the reason, beside the rejected rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from assets.projects.register import shorten
from assets.projects.schema import (
    CONFORMED_COLUMNS,
    CONFORMED_DATES,
    CONFORMED_DESCRIPTIONS,
    CONFORMED_LISTS,
    fetch_frame,
    typed,
)
from pipelines.framework.inbox import REMOVED_SUFFIX, Skipped
from pipelines.framework.rejects import REJECT_COLUMNS, reject, rejects_frame
from warehouse.db import (
    FEEDBACK_FIELDS,
    LAST_GOOD_REGISTER_TABLE,
    TableDoc,
    describe_table,
    file_sha256,
    table_exists,
)

LAST_GOOD_TABLE = LAST_GOOD_REGISTER_TABLE.split(".")[1]
MARK_COLUMNS = ("from_last_good_version", "last_good_version_date")
STORE_COLUMNS = (*CONFORMED_COLUMNS, "last_good_version_date", "file_sha")
#: raw.project_register (the lineage columns: warehouse.db)
REGISTER_DOC = TableDoc(
    "City project registers (the data officers' files of the inbox, ASCN_INBOX_DIR, default "
    "data/inbox/, and the bundled documented projects), conformed: one row per published "
    "project row, a file's last good rows kept while it is unreadable (from_last_good_version); "
    "per-file feedback in quarantine.file_feedback.",
    {
        **CONFORMED_DESCRIPTIONS,
        "from_last_good_version": "True when the row is kept from its file's last good version "
        "(the file, or this row, is bad or gone now)",
        "last_good_version_date": "Kept rows: date of that last good version (null for rows "
        "read now)",
    },
)
#: raw.project_register_last_good (LAST_GOOD_TABLE)
LAST_GOOD_DOC = TableDoc(
    "The last good rows of every project register file, one row per project row of the file's "
    "last good version: published again while the file turns unreadable, comes back empty or "
    "disappears; carried over from the published file into a new build file.",
    {
        **CONFORMED_DESCRIPTIONS,
        "last_good_version_date": "Date the file's good version was first read (an unchanged "
        "file keeps its date)",
        "file_sha": "sha256 of that version of the file",
    },
)
Reader = Callable[[Path], tuple[pd.DataFrame, pd.DataFrame]]


@dataclass
class FileRead:
    """One file as read: its rows and rejects, or the reason it was refused."""

    path: Path
    sha: str | None
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    rejects: pd.DataFrame = field(default_factory=rejects_frame)
    warnings: list[str] = field(default_factory=list)
    data_rows: int = 0
    error: str | None = None


def failure_message(path: Path, exc: BaseException) -> str:
    """The reader's own message when it names the file, else one naming file and error type."""
    text = str(exc)
    if isinstance(exc, ValueError) and text.startswith(path.name):
        return text
    return f"{path.name}: could not be read ({type(exc).__name__}: {shorten(text, 200)})"


def read_each(paths: Iterable[Path], reader: Reader) -> list[FileRead]:
    """Read every file on its own: whatever one file raises, the others are read."""
    out = []
    for path in paths:
        read = FileRead(path, None)
        try:
            read.sha = file_sha256(path)
            rows, rejects = reader(path)
        except Exception as exc:  # noqa: BLE001 - one bad file must never stop the others
            read.error = failure_message(path, exc)
        else:
            read.rows, read.rejects = rows, rejects
            read.warnings = list(rows.attrs.get("warnings", []))
            read.data_rows = int(rows.attrs.get("data_rows", len(rows)))
        out.append(read)
    return out


@dataclass
class Batch:
    """What a run publishes from the registers, and what it tells the data officers."""

    rows: pd.DataFrame  # CONFORMED_COLUMNS + MARK_COLUMNS
    rejects: pd.DataFrame
    feedback: pd.DataFrame  # FEEDBACK_FIELDS of warehouse.db
    store: pd.DataFrame  # STORE_COLUMNS: the new last good versions
    warnings: list[str]


def _ids(frame: pd.DataFrame) -> list[str]:
    return [] if frame.empty else frame["source_project_id"].astype(str).tolist()


def combine(
    reads: list[FileRead],
    store: pd.DataFrame,
    *,
    bundled: set[str],
    inbox: Path,
    removed: set[str],
    skipped: list[Skipped],
    known_cities: set[str],
    today: date,
) -> Batch:
    """Rows to publish from the `reads` of this run and the `store` of last good versions."""
    if store.empty:
        store = pd.DataFrame(columns=list(STORE_COLUMNS))
    owner_before = dict(zip(_ids(store), store["source_uri"].astype(str), strict=True))
    rejects = [r.rejects for r in reads if not r.rejects.empty]
    feedback: list[dict[str, Any]] = []
    warnings: list[str] = []

    # 1. The same id in several readable files: one owner, or none.
    copies: dict[str, list[tuple[str, int]]] = {}
    for r in reads:
        for pid, row in zip(_ids(r.rows), r.rows.get("source_row", []), strict=False):
            copies.setdefault(pid, []).append((str(r.path), int(row)))
    dropped: set[tuple[str, int]] = set()
    dup_rejects = []
    for pid, where in copies.items():
        if len({uri for uri, _ in where}) < 2:
            continue
        owner = next((w for w in where if w[0] in bundled), None) or next(
            (w for w in where if owner_before.get(pid) == w[0]), None
        )
        places = "; ".join(f"{Path(u).name} row {n}" for u, n in where)
        for uri, row in where:
            if (uri, row) == owner:
                continue
            if owner:
                kept = f"published from {Path(owner[0]).name} row {owner[1]}"
                why = "the bundled source" if owner[0] in bundled else "published before"
                kept += f" ({why})"
            else:
                kept = "no copy is published until the id is unique"
            reason = f"duplicate_project_id across files ({places}); {kept}"
            dup_rejects.append({**reject(uri, row, "project_id", pid, reason), "project_id": pid})
            dropped.add((uri, row))
            warnings.append(f"{Path(uri).name} row {row}: project id {pid}: {reason}")
    if dup_rejects:
        rejects.append(rejects_frame(dup_rejects))

    fresh: dict[str, pd.DataFrame] = {}
    for r in reads:
        if not r.rows.empty:
            keep = [(str(r.path), int(n)) not in dropped for n in r.rows["source_row"]]
            fresh[str(r.path)] = r.rows[keep]
    fresh_ids = {pid for part in fresh.values() for pid in _ids(part)}

    # 2. Last good rows that stay published.
    by_uri = dict(iter(store.groupby("source_uri", sort=False)))
    reads_by_uri = {str(r.path): r for r in reads}
    kept_parts: list[pd.DataFrame] = []
    new_store: list[pd.DataFrame] = []
    for r in reads:
        uri = str(r.path)
        old = by_uri.get(uri, store.head(0))
        bad_ids = set(r.rejects.get("project_id", pd.Series(dtype=str)).dropna().astype(str))
        if r.error or (r.data_rows == 0 and not old.empty):
            keep = old
        else:
            keep = old[old["source_project_id"].astype(str).isin(bad_ids - set(_ids(r.rows)))]
        keep = keep[~keep["source_project_id"].astype(str).isin(fresh_ids)]
        kept_parts.append(keep)
        new_store.append(keep)
        if uri in fresh:
            same = old[old["file_sha"] == r.sha]  # unchanged file: its version keeps its date
            since = same["last_good_version_date"].iloc[0] if len(same) else today
            new_store.append(fresh[uri].assign(last_good_version_date=since, file_sha=r.sha))
        feedback.append(_feedback_of_read(r, fresh.get(uri), keep, dropped))
        warnings += r.warnings + ([r.error] if r.error else [])
    for uri, old in by_uri.items():
        if uri in reads_by_uri:
            continue
        name = Path(uri).name
        on_purpose = Path(uri).parent == inbox and name in removed
        keep = old[~old["source_project_id"].astype(str).isin(fresh_ids)]
        since = _date_text(old)
        if on_purpose:
            reason = (
                f"removed on purpose ({name}{REMOVED_SUFFIX}): its {len(old)} row(s) of "
                f"{since} are no longer published"
            )
            feedback.append(_row(name, uri, "removed", reason=reason))
        elif keep.empty:
            reason = f"{name}: no longer in the inbox; its projects are published from another file"
            feedback.append(_row(name, uri, "missing", reason=reason))
        else:
            kept_parts.append(keep)
            new_store.append(keep)
            reason = (
                f"{name}: no longer in the inbox; its {len(keep)} row(s) of {since} stay "
                f"published (from_last_good_version). To remove them on purpose, put an empty "
                f"file named '{name}{REMOVED_SUFFIX}' in the inbox"
            )
            feedback.append(_row(name, uri, "missing", kept=len(keep), since=since, reason=reason))
        warnings.append(reason)
    for s in skipped:
        feedback.append(_row(s.name, str(s.path), "not_read", reason=s.why))
        warnings.append(f"{s.name}: {s.why}")
    for name in sorted(removed):
        marker = f"{name}{REMOVED_SUFFIX}"
        if str(inbox / name) in reads_by_uri:
            why = f"{marker} ignored: {name} is in the inbox, so it was read"
        elif str(inbox / name) not in by_uri:
            why = f"{marker}: nothing from {name} is published, so there is nothing to remove"
        else:
            continue
        feedback.append(_row(marker, str(inbox / marker), "not_read", reason=why))
        warnings.append(why)

    empty = store.head(0)
    kept, invalid = _still_valid(pd.concat([empty, *kept_parts], ignore_index=True), known_cities)
    rejects += [whole_file_rejects(reads), *invalid]
    published = pd.concat(
        [
            *(p.assign(from_last_good_version=False, last_good_version_date=None)
              for p in fresh.values()),
            kept.drop(columns=["file_sha"]).assign(from_last_good_version=True),
        ],
        ignore_index=True,
    )  # fmt: skip
    new_store = [s for s in new_store if not s.empty]
    store_frame = pd.concat(new_store, ignore_index=True) if new_store else empty
    rejects = [r for r in rejects if not r.empty]
    return Batch(
        rows=published[[*CONFORMED_COLUMNS, *MARK_COLUMNS]],
        rejects=pd.concat(rejects, ignore_index=True) if rejects else rejects_frame(),
        feedback=pd.DataFrame(feedback, columns=list(FEEDBACK_FIELDS)),
        store=store_frame[list(STORE_COLUMNS)],
        warnings=warnings,
    )


def _date_text(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "an earlier run"
    return str(frame["last_good_version_date"].iloc[0])


def _still_valid(
    kept: pd.DataFrame, known_cities: set[str]
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Last good rows whose city left the registry are not republished (quarantined instead)."""
    if kept.empty:
        return kept, []
    ok = kept["city_id"].isna() | kept["city_id"].isin(known_cities)
    gone = kept[~ok]
    bad = [
        reject(uri, row, "city", city, "last_good_row_city_no_longer_in_registry")
        for uri, row, city in zip(
            gone["source_uri"], gone["source_row"], gone["city_id"], strict=True
        )
    ]
    return kept[ok], [rejects_frame(bad)] if bad else []


def _row(
    name: str,
    uri: str,
    status: str,
    *,
    rows: int | None = None,
    loaded: int = 0,
    quarantined: int = 0,
    kept: int = 0,
    since: Any = None,
    reason: str | None = None,
) -> dict[str, Any]:
    return {
        "file": name,
        "source_uri": uri,
        "status": status,
        "rows_in_file": rows,
        "rows_loaded": loaded,
        "rows_quarantined": quarantined,
        "rows_kept_from_last_good": kept,
        "last_good_version_date": None if since in (None, "an earlier run") else since,
        "reason": reason,
    }


def _feedback_of_read(
    r: FileRead, fresh: pd.DataFrame | None, kept: pd.DataFrame, dropped: set[tuple[str, int]]
) -> dict[str, Any]:
    name, uri = r.path.name, str(r.path)
    since = None if kept.empty else kept["last_good_version_date"].iloc[0]
    if r.error:
        tail = (
            f"; its {len(kept)} row(s) of {since} stay published (from_last_good_version)"
            if len(kept)
            else "; nothing of it is published"
        )
        return _row(name, uri, "refused", kept=len(kept), since=since, reason=r.error + tail)
    bad_rows = set(r.rejects["row_number"].astype(int)) if not r.rejects.empty else set()
    bad_rows |= {n for u, n in dropped if u == uri}
    loaded = 0 if fresh is None else len(fresh)
    notes = list(r.warnings)
    if bad_rows:
        notes.insert(0, f"{len(bad_rows)} row(s) quarantined: see quarantine.rejected_rows")
    if len(kept):
        notes.append(
            f"{len(kept)} project(s) whose row is now refused stay published from the version "
            f"of {since} (from_last_good_version)"
        )
    if r.data_rows == 0 and len(kept):
        notes.append("header only: the rows published before are kept")
    status = "partial" if bad_rows or len(kept) else "accepted"
    return _row(
        name,
        uri,
        status,
        rows=r.data_rows,
        loaded=loaded,
        quarantined=len(bad_rows),
        kept=len(kept),
        since=since,
        reason="; ".join(notes) or None,
    )


def whole_file_rejects(reads: list[FileRead]) -> pd.DataFrame:
    """One quarantine row per refused file (no row, field or value to name)."""
    rows = [{"source_uri": str(r.path), "reason": r.error} for r in reads if r.error]
    return pd.DataFrame(rows, columns=REJECT_COLUMNS)


def load_store(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The last good rows of every register file (empty before the first run)."""
    if not table_exists(con, f"raw.{LAST_GOOD_TABLE}"):
        return pd.DataFrame(columns=list(STORE_COLUMNS))
    return fetch_frame(con, f"select * from raw.{LAST_GOOD_TABLE}")  # noqa: S608 - constant


def save_store(con: duckdb.DuckDBPyConnection, store: pd.DataFrame) -> None:
    """Replace the last good rows (typed like raw.project_register)."""
    frame = typed(store, CONFORMED_LISTS, (*CONFORMED_DATES, "last_good_version_date"))
    frame = frame.astype({"file_sha": "string", "source_uri": "string"})  # noqa: F841
    con.execute(
        f"create or replace table raw.{LAST_GOOD_TABLE} as select * from frame"  # noqa: S608
    )
    describe_table(con, f"raw.{LAST_GOOD_TABLE}", LAST_GOOD_DOC)


def feedback_markdown(feedback: pd.DataFrame) -> str:
    """The per-file feedback as a Markdown table for the asset's metadata in the UI."""
    lines = [
        "| file | status | rows | loaded | quarantined | kept | reason |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in feedback.itertuples():
        rows = "" if pd.isna(r.rows_in_file) else int(r.rows_in_file)
        reason = shorten(r.reason or "", 300).replace("|", "/")
        lines.append(
            f"| {r.file} | {r.status} | {rows} | {r.rows_loaded} | {r.rows_quarantined} | "
            f"{r.rows_kept_from_last_good} | {reason} |"
        )
    return "\n".join(lines)


def company_feedback(reads: list[FileRead]) -> pd.DataFrame:
    """The per-file feedback of the company registers (no last good version kept for them)."""
    rows = []
    for r in reads:
        if r.error:
            rows.append(_row(r.path.name, str(r.path), "refused", reason=r.error))
            continue
        bad = set(r.rejects["row_number"].astype(int)) if not r.rejects.empty else set()
        notes = [f"{len(bad)} row(s) quarantined: see quarantine.rejected_rows"] if bad else []
        status = "partial" if bad else "accepted"
        reason = "; ".join(notes + r.warnings) or None
        rows.append(
            _row(r.path.name, str(r.path), status, rows=r.data_rows, loaded=len(r.rows),
                 quarantined=len(bad), reason=reason)
        )  # fmt: skip
    return pd.DataFrame(rows, columns=list(FEEDBACK_FIELDS))
