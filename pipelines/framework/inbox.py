"""The data officers' inbox: which files in it are project registers (for the sensor and asset)."""

from __future__ import annotations

import hashlib
from pathlib import Path

REGISTER_SUFFIXES = frozenset({".csv", ".xlsx"})


def register_files(inbox: Path) -> list[Path]:
    """Every register file in `inbox`, sorted by name; dot-files and folders are not registers."""
    if not inbox.is_dir():
        return []
    return sorted(
        p
        for p in inbox.iterdir()
        if p.is_file() and p.suffix.lower() in REGISTER_SUFFIXES and not p.name.startswith(".")
    )


def inbox_state(inbox: Path) -> dict[str, str]:
    """File name -> sha256 of every register file in the inbox (what the sensor watches)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in register_files(inbox)}
