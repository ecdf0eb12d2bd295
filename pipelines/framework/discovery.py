"""The asset keys the source families define, found in their packages (no hand-kept lists)."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import dagster as dg

import assets as families


@cache
def family_asset_keys(
    prefix: str, exclude: frozenset[str] = frozenset()
) -> tuple[dg.AssetKey, ...]:
    """Every asset key starting with `prefix` (e.g. "raw", "marts") in the families under
    `assets/`, except the families named in `exclude`; sorted by path."""
    keys: set[dg.AssetKey] = set()
    for family in pkgutil.iter_modules(families.__path__):
        if not family.ispkg or family.name in exclude:
            continue
        package = importlib.import_module(f"{families.__name__}.{family.name}")
        for definition in dg.load_assets_from_package_module(package):
            if isinstance(definition, dg.AssetsDefinition):
                keys |= {key for key in definition.keys if key.path[0] == prefix}
    return tuple(sorted(keys, key=lambda key: key.path))
