"""Skip work whose inputs did not change: each asset records the version it was built from.

An asset's version is a hash of the pipeline code and of its inputs: for a raw asset, the
content hash of what its source delivered; for every other asset, the versions of its upstream
assets plus the files it reads itself. The versions live in the build file (`meta.asset_versions`),
next to the tables they describe, so a deleted or rebuilt build file rebuilds everything.

What a build read is part of its version too: every file it opened for reading and every
folder it listed are recorded while it runs (`framework/reads.py`, in `meta.asset_inputs`), and
the next run compares their current content (or absence) before skipping it. So an edited
reference list (ISO 4217 codes, countries, FX rates, the sector map...) rebuilds the steps that
read it even where nobody listed it, and a file that vanished and came back is read again.

An unchanged asset still reports a materialization (metadata `unchanged=True`, the run that
built it, the same data version), so the asset graph, freshness policy and run history stay
complete. Its blocking checks replay their recorded outcome for that version (`replay_check`).
`ASCN_FORCE_REBUILD=1` or the run tag `ascn/force_rebuild=true` rebuilds everything.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.framework import reads
from pipelines.settings import REPO_ROOT, Settings

FORCE_TAG = "ascn/force_rebuild"
# Everything that can change what an asset produces, besides its inputs. Explicit patterns:
# warehouse/ also holds run outputs (the report's .html pages), which are not code.
CODE_GLOBS = (
    "assets/**/*.py",
    "checks/**/*.py",
    "checks/sql/**/*.sql",
    "assets/**/*.sql",
    "assets/**/templates/**/*.html",
    "pipelines/**/*.py",
    "warehouse/*.py",
    "warehouse/sql/**/*.sql",
)

Metadata = Mapping[str, dg.MetadataValue]


def code_files() -> list[Path]:
    """The pipeline's code, SQL and report templates, relative to the repository."""
    found = {p.relative_to(REPO_ROOT) for g in CODE_GLOBS for p in REPO_ROOT.glob(g)}
    return sorted(p for p in found if "__pycache__" not in p.parts)


@cache
def code_version() -> str:
    """Hash of `code_files()` and of the DuckDB version."""
    h = hashlib.sha256(duckdb.__version__.encode())
    for path in code_files():
        h.update(str(path).encode() + b"\0" + (REPO_ROOT / path).read_bytes())
    return h.hexdigest()


def version_of(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode())
        h.update(b"\0")
    return h.hexdigest()


def key_of(asset_key: dg.AssetKey) -> str:
    return "/".join(asset_key.path)


@dataclass(frozen=True)
class Built:
    version: str
    run_id: str
    metadata: str | None = None  # the materialization's metadata when it was built (serialized)

    def recorded_metadata(self) -> dict[str, dg.MetadataValue]:
        return dg.deserialize_value(self.metadata, dict) if self.metadata else {}


def last_built(con: duckdb.DuckDBPyConnection, asset_key: str) -> Built | None:
    rows = con.execute(
        "select version, run_id, metadata from meta.asset_versions where asset_key = $k",
        {"k": asset_key},
    ).fetchall()
    return Built(*rows[0]) if rows else None


def input_version(
    context: dg.AssetExecutionContext,
    con: duckdb.DuckDBPyConnection,
    files: Iterable[Path] = (),
    extra: Iterable[str] = (),
    *,
    asset_key: dg.AssetKey | None = None,
) -> str:
    """Version of a derived asset: code, upstream versions, and the files it reads directly.

    `asset_key` names one spec of a multi-asset (default: the asset of `context`).
    """
    parts: list[str | bytes] = [code_version()]
    deps = context.assets_def.asset_deps[asset_key or context.asset_key]
    for upstream in sorted(key_of(k) for k in deps):
        built = last_built(con, upstream)
        # An upstream without a record was never built: nothing can match, so rebuild.
        parts.append(f"{upstream}={built.version if built else run_id_of(context)}")
    for path in files:
        # A missing file is an input too ("absent"): when it appears, the version changes.
        parts += [path.name, reads.digest(str(path), reads.FILE)]
    parts += list(extra)
    return version_of(*parts)


Inputs = dict[tuple[str, str], str]  # (path, kind) -> digest


def recorded_inputs(con: duckdb.DuckDBPyConnection, asset_key: str) -> Inputs:
    rows = con.execute(
        "select path, kind, digest from meta.asset_inputs where asset_key = $k", {"k": asset_key}
    ).fetchall()
    return {(path, kind): d for path, kind, d in rows}


def current_digests(inputs: Iterable[tuple[str, str]]) -> Inputs:
    return {(path, kind): reads.digest(path, kind) for path, kind in inputs}


def with_inputs(version: str, inputs: Inputs) -> str:
    """The version of a build: its declared version and what it read (paths and digests)."""
    if not inputs:
        return version
    return version_of(version, *(f"{k}:{p}={d}" for (p, k), d in sorted(inputs.items())))


def _read_excludes() -> tuple[Path, ...]:
    # The run's own outputs and Dagster's storage are not inputs of any asset.
    home = os.environ.get("DAGSTER_HOME")
    return (Settings.from_env().output_dir, *([Path(home)] if home else []))


Context = dg.AssetExecutionContext | dg.AssetCheckExecutionContext


def run_id_of(context: Context) -> str:
    return context.op_execution_context.run_id  # also set when a check is invoked directly


def forced(context: Context) -> bool:
    tags = context.op_execution_context.run_tags
    return Settings.from_env().force_rebuild or tags.get(FORCE_TAG) == "true"


def build_if_changed(
    context: dg.AssetExecutionContext,
    con: duckdb.DuckDBPyConnection,
    version: str,
    build: Callable[[], Metadata],
    *,
    metadata: Metadata | None = None,
    outputs: Iterable[Path] = (),
    asset_key: dg.AssetKey | None = None,
    verify: Callable[[], str | None] | None = None,
) -> dg.MaterializeResult:
    """Run `build` unless this asset was last built from `version` (and its `outputs` exist).

    The old record is deleted before building, so a build that fails half-way is never mistaken
    for a finished one by the next run. `asset_key` names one spec of a multi-asset, which
    records its own version (default: the asset of `context`). An unchanged asset reports the
    metadata recorded when it was built (row counts, schema, previews), so a quiet night does
    not blank the UI.

    The files and folders `build` reads are recorded (`meta.asset_inputs`) and folded into the
    recorded version, so a change to any of them rebuilds this asset and its downstream ones.
    `verify`, when given, is asked whether an unchanged asset's outputs are still sound (e.g.
    the published file matches its recorded publication): a problem it names rebuilds them.
    """
    key = key_of(asset_key or context.asset_key)
    last = last_built(con, key)
    base = dict(metadata or {})
    before = recorded_inputs(con, key) if last is not None else {}
    unchanged = (
        last is not None
        and last.version == with_inputs(version, current_digests(before))
        and all(p.exists() for p in outputs)
        and not forced(context)
    )
    problem = verify() if unchanged and verify is not None else None
    if problem:
        context.log.warning(f"{key}: {problem}; rebuilding it although its inputs are unchanged")
        base["repaired"] = dg.MetadataValue.text(problem)
    if unchanged and not problem and last is not None:
        return dg.MaterializeResult(
            asset_key=asset_key,
            metadata=last.recorded_metadata()
            | base
            | {
                "unchanged": dg.MetadataValue.bool(True),
                "built_in_run": dg.MetadataValue.text(last.run_id),
            },
            data_version=dg.DataVersion(last.version),
        )
    con.execute("delete from meta.asset_versions where asset_key = $k", {"k": key})
    con.execute("delete from meta.asset_inputs where asset_key = $k", {"k": key})
    with reads.recording(_read_excludes()) as seen:
        built = base | dict(build())
    inputs = {(p, kind): reads.digest(p, kind, at) for (p, kind), at in seen.items()}
    version = with_inputs(version, inputs)
    if inputs:
        con.executemany(
            "insert into meta.asset_inputs values ($1, $2, $3, $4)",
            [[key, p, kind, d] for (p, kind), d in sorted(inputs.items())],
        )
    con.execute(
        "insert into meta.asset_versions values ($k, $v, $r, $t, $m)",
        {
            "k": key,
            "v": version,
            "r": run_id_of(context),
            "t": datetime.now(UTC),
            "m": dg.serialize_value(built),
        },
    )
    return dg.MaterializeResult(
        asset_key=asset_key,
        metadata=built
        | {
            "unchanged": dg.MetadataValue.bool(False),
            "built_in_run": dg.MetadataValue.text(run_id_of(context)),
        },
        data_version=dg.DataVersion(version),
    )


def replay_check(
    context: dg.AssetCheckExecutionContext,
    con: duckdb.DuckDBPyConnection,
    check_key: str,
    asset_key: str,
    evaluate: Callable[[], dg.AssetCheckResult],
) -> dg.AssetCheckResult:
    """Evaluate a check, or replay its recorded outcome if the asset was not rebuilt in this run.

    Same asset version means the same rows: the outcome (pass or fail) cannot differ, so a
    failed check keeps blocking publication until the data change.
    """
    built = last_built(con, asset_key)
    run_id = run_id_of(context)
    if built is not None and built.run_id != run_id and not forced(context):
        rows = con.execute(
            "select passed, metadata, run_id from meta.check_results "
            "where check_key = $c and asset_version = $v",
            {"c": check_key, "v": built.version},
        ).fetchall()
        if rows:
            passed, stored, checked_in = rows[0]
            return dg.AssetCheckResult(
                passed=passed,
                metadata=dg.deserialize_value(stored, dict)
                | {"replayed_from_run": dg.MetadataValue.text(checked_in)},
            )
    result = evaluate()
    if built is not None:
        con.execute(
            "insert or replace into meta.check_results values ($c, $v, $p, $m, $r, $t)",
            {
                "c": check_key,
                "v": built.version,
                "p": result.passed,
                "m": dg.serialize_value(dict(result.metadata or {})),
                "r": run_id,
                "t": datetime.now(UTC),
            },
        )
    return result
