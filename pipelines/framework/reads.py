"""Which files and folders a build read: recorded while it runs, part of its version after.

A step's version must cover every file it reads, including the reference lists that helpers
deep in the code open (ISO 4217 codes, countries, focus areas, FX rates, the sector map...),
and the presence of files as well as their content. Listing them by hand at every asset misses
some; so `recording()` watches the build through Python's audit hooks (PEP 578): each file
opened for reading and each folder listed (`os.listdir`, `os.scandir`: glob, iterdir) is noted.
Loaders that cache a parsed file call `note_read(path)` on every call, so a cache hit counts too.

Not recorded: code (it is in the code version), the interpreter and installed packages, the
run's own output folder, and `/proc`, `/sys`, `/dev`. Files opened by C++ code (DuckDB's own
`read_csv`, osmium) do not raise audit events: such inputs are passed to `input_version`.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

FILE, FOLDER = "file", "folder"
_SKIP_SUFFIXES = (".py", ".pyc", ".pyi", ".so", ".pth")
_SKIP_ROOTS = tuple(
    {os.path.realpath(p) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
) + ("/proc/", "/sys/", "/dev/")


@dataclass
class _Recorder:
    exclude: tuple[str, ...]
    seen: dict[tuple[str, str], tuple[int, int] | None] = field(default_factory=dict)

    def note(self, path: str, kind: str) -> None:
        if (path, kind) in self.seen or path.startswith(_SKIP_ROOTS + self.exclude):
            return
        if kind == FILE and path.endswith(_SKIP_SUFFIXES):
            return
        self.seen[(path, kind)] = _stat_key(path)


_current: ContextVar[_Recorder | None] = ContextVar("ascn_reads", default=None)
_hooked = False


def _stat_key(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size) if stat.S_ISREG(st.st_mode) else (0, 0)


def _as_path(value: object) -> str | None:
    if isinstance(value, int) or value is None:
        return None  # an open file descriptor, not a path
    try:
        return os.path.realpath(os.fsdecode(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _hook(event: str, args: tuple[object, ...]) -> None:
    if event not in ("open", "os.listdir", "os.scandir"):
        return
    recorder = _current.get()
    if recorder is None:
        return
    path = _as_path(args[0] if args else None)
    if path is None:
        return
    if event == "open":
        mode, flags = (args[1] if len(args) > 1 else None), (args[2] if len(args) > 2 else 0)
        if isinstance(mode, str):
            if any(c in mode for c in "wax+"):
                return
        elif isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            return
        if os.path.isdir(path):
            return
        recorder.note(path, FILE)
    else:
        recorder.note(path, FOLDER)


@contextmanager
def recording(exclude: tuple[Path, ...] = ()) -> Iterator[dict[tuple[str, str], tuple | None]]:
    """Record the files and folders read inside the block: {(path, kind): stat at first read}."""
    global _hooked
    if not _hooked:
        sys.addaudithook(_hook)  # cannot be removed: it is idle outside `recording`
        _hooked = True
    recorder = _Recorder(tuple(os.path.realpath(p) + os.sep for p in exclude))
    token = _current.set(recorder)
    try:
        yield recorder.seen
    finally:
        _current.reset(token)


def note_read(path: Path) -> None:
    """For loaders that cache what they parsed: count `path` as read by the current build."""
    recorder = _current.get()
    if recorder is not None:
        recorder.note(os.path.realpath(path), FILE)


def digest(path: str, kind: str, at_read: tuple[int, int] | None = None) -> str:
    """sha256 of a file (or of a folder's sorted entry names); 'absent' when it is gone. A file
    that changed after it was read (`at_read` differs) gets a digest that matches nothing."""
    if kind == FOLDER:
        try:
            names = sorted(os.listdir(path))
        except FileNotFoundError:
            return "absent"
        except OSError as exc:
            return f"unreadable:{exc.errno}"
        return hashlib.sha256("\0".join(names).encode()).hexdigest()
    now = _stat_key(path)
    if now is None:
        return "absent"
    if at_read is not None and now != at_read:
        return f"changed-while-read:{now}"
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:  # noqa: PTH123 - outside any recording
            while chunk := f.read(1 << 20):
                h.update(chunk)
    except OSError as exc:
        return f"unreadable:{exc.errno}"
    return h.hexdigest()
