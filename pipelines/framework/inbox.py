"""The data officers' inbox: which files in it are project registers (for the sensor and asset).

Only what is meant is read: regular `.csv`/`.xlsx` files directly in the inbox. Everything else
in it gets a "not read: <why>" note (old `.xls`, `.tsv`, dot-files, folders, symbolic links,
anything resolving outside the inbox) instead of being skipped silently; the inbox's own
README is the only file passed over without a note. `<name>.removed` is a marker: the data
officer removed `<name>` on purpose, so its rows leave the publication (see `removed_names`).
A symbolic link is refused without being opened, so nothing of its target is ever read or echoed.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from warehouse.db import file_sha256

REGISTER_SUFFIXES = frozenset({".csv", ".xlsx"})
REMOVED_SUFFIX = ".removed"
INBOX_VARIABLE = "ASCN_INBOX_DIR"
# The inbox's own instructions (data/inbox/README.md), not a submission.
DOCUMENTATION = frozenset({"readme.md", "readme.txt", ".gitkeep"})

_WHY_SUFFIX = {
    ".xls": "old Excel 97-2003 workbook (.xls); save it as Excel Workbook (.xlsx) and upload again",
    ".xlsm": "macro-enabled workbook (.xlsm); save it as Excel Workbook (.xlsx) and upload again",
    ".xlsb": "binary Excel workbook (.xlsb); save it as Excel Workbook (.xlsx) and upload again",
    ".tsv": "a .tsv file; save it as CSV UTF-8 (.csv): tab separators are accepted in a .csv",
    ".txt": "a .txt file; save it as CSV UTF-8 (.csv)",
    ".ods": "an OpenDocument spreadsheet (.ods); save it as .xlsx or CSV UTF-8 (.csv)",
}


class InboxMissingError(ValueError):
    """The inbox setting points at a folder that does not exist."""


@dataclass(frozen=True)
class Skipped:
    """A file in the inbox that is not read, and why (shown to the data officer)."""

    name: str
    path: Path
    why: str


@dataclass(frozen=True)
class InboxScan:
    registers: list[Path] = field(default_factory=list)  # sorted by name
    skipped: list[Skipped] = field(default_factory=list)
    markers: list[Path] = field(default_factory=list)  # `<name>.removed`

    def removed_names(self) -> set[str]:
        """Names of the files the data officer removed on purpose (`<name>.removed` markers)."""
        return {m.name[: -len(REMOVED_SUFFIX)] for m in self.markers}

    def fingerprint(self) -> bytes:
        """Names of every entry that is not a register (markers, skipped files): part of the
        version of what the inbox delivered, so dropping a marker or an `.xls` is noticed."""
        names = [f"marker:{m.name}" for m in self.markers]
        names += [f"skipped:{s.name}" for s in self.skipped]
        return "\n".join(sorted(names)).encode()


def require_inbox(inbox: Path, variable: str = INBOX_VARIABLE) -> Path:
    """`inbox` resolved; a missing folder fails loudly naming the setting and the path (an inbox
    that silently reads as empty would look like every register was withdrawn)."""
    if not inbox.is_dir():
        what = "is not a folder" if inbox.exists() else "does not exist"
        raise InboxMissingError(
            f"{variable}={inbox}: the inbox folder {what}. Fix {variable} (or create the "
            "folder); nothing was read, and the registers published before stay published."
        )
    return inbox.resolve()


def _why_not(entry: os.DirEntry[str], root: Path) -> str | None:
    """Why an inbox entry is not read as a register (None: it is a register)."""
    name = entry.name
    if entry.is_symlink():
        return "a symbolic link; links are not followed (copy the file itself into the inbox)"
    try:
        mode = entry.stat(follow_symlinks=False).st_mode
    except OSError as exc:
        return f"cannot be inspected ({type(exc).__name__})"
    if stat.S_ISDIR(mode):
        return "a folder; only files directly in the inbox are read"
    if not stat.S_ISREG(mode):
        return "not a regular file (a pipe, socket or device)"
    if not Path(entry.path).resolve().is_relative_to(root):
        return "resolves outside the inbox"
    if name.startswith(".~lock.") or name.startswith("~$"):
        return "an editor lock file (the register is open in Excel or LibreOffice)"
    if name.startswith("."):
        return "a hidden file (its name starts with '.'); rename it without the dot to submit it"
    suffix = Path(name).suffix.lower()
    if suffix in REGISTER_SUFFIXES:
        return None
    return _WHY_SUFFIX.get(
        suffix, f"unsupported file type '{Path(name).suffix or name}' (use .csv UTF-8 or .xlsx)"
    )


def scan(inbox: Path, variable: str = INBOX_VARIABLE) -> InboxScan:
    """Every entry of `inbox`: the registers to read, markers, and what is not read and why."""
    root = require_inbox(inbox, variable)
    result = InboxScan()
    with os.scandir(root) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            path = root / entry.name
            if entry.name.casefold() in DOCUMENTATION:
                continue
            if entry.name.endswith(REMOVED_SUFFIX) and not entry.is_symlink():
                result.markers.append(path)
                continue
            why = _why_not(entry, root)
            if why is None:
                result.registers.append(path)
            else:
                result.skipped.append(Skipped(entry.name, path, f"not read: {why}"))
    return result


def register_files(inbox: Path) -> list[Path]:
    """Every register file in `inbox`, sorted by name (see `scan` for what is not read)."""
    return scan(inbox).registers


def inbox_state(inbox: Path) -> dict[str, str]:
    """Entry name -> sha256 of every register (markers and skipped files by name): what the
    sensor watches, so a new marker or a dropped `.xls` also starts a run that reports on it."""
    found = scan(inbox)
    state = {p.name: file_sha256(p) for p in found.registers}
    state |= {m.name: "marker" for m in found.markers}
    state |= {s.name: "not read" for s in found.skipped if not s.name.startswith((".", "~$"))}
    return state
