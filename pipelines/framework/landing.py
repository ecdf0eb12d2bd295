"""Landing a source in `raw`: lineage, change detection, quarantine and UI metadata in one place."""

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from pipelines.framework.http import SourceError
from pipelines.framework.rejects import NO_REJECTS
from pipelines.framework.table_metadata import table_metadata
from pipelines.framework.versions import build_if_changed, input_version
from pipelines.resources import SourcesResource, WarehouseResource
from pipelines.settings import Settings
from warehouse.db import Lineage, TableDoc, content_hash, file_sha256, quarantine, write_raw

# Parse step: returns (rows, rejects); rejects may be empty.
Parser = Callable[[], tuple[pd.DataFrame, pd.DataFrame]]


@contextmanager
def permanent_errors_fail_fast() -> Iterator[None]:
    """Let the asset retry policy retry outages, not errors a retry cannot fix.

    The HTTP client already retried transient failures; a 4xx answer (other than 429), a
    malformed response or a bad file will fail the same way again in 30 seconds.
    """
    try:
        yield
    except SourceError as exc:
        if exc.permanent:  # 4xx other than 408/429, or an answer refused by its client
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        raise
    except ValueError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from exc


@dataclass(frozen=True)
class Payload:
    """What a source delivered, before parsing: its identity and bytes for the content hash."""

    source: str
    uri: str
    data: bytes
    vintage: str | None = None


@dataclass(frozen=True)
class Delivery:
    """What a source delivered (`payload`) and how to read it into rows (`read`), or into rows
    and rejected rows (`parse`, for sources that quarantine bad rows).

    The reading runs only when the payload changed since the last load (see `land`).
    """

    payload: Payload
    read: Callable[[], pd.DataFrame]
    parse_rows: Parser | None = None

    def parse(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        return self.parse_rows() if self.parse_rows else (self.read(), NO_REJECTS)


def land(
    context: dg.AssetExecutionContext,
    con: duckdb.DuckDBPyConnection,
    *,
    table: str,
    payload: Payload,
    parse: Parser,
    metadata: Mapping[str, dg.MetadataValue] | None = None,
    report: Callable[[], Mapping[str, dg.MetadataValue]] | None = None,
    doc: TableDoc | None = None,
) -> dg.MaterializeResult:
    """Parse and write `raw.<table>` (described by `doc`: `write_raw`) unless the payload, the
    code and the upstream assets are unchanged since the last load (then nothing is parsed or
    written: framework/versions.py).
    `report`, called after `parse`, adds what the parse found to the metadata (warnings, the
    per-file feedback)."""
    digest = content_hash(payload.data)
    base = {
        "source": dg.MetadataValue.text(payload.source),
        "source_uri": dg.MetadataValue.text(payload.uri),
        "content_hash": dg.MetadataValue.text(digest),
        "vintage": dg.MetadataValue.text(payload.vintage or "not stated"),
        **(metadata or {}),
    }

    def build() -> dict[str, dg.MetadataValue]:
        frame, rejects = parse()
        lineage = Lineage(
            payload.source, payload.uri, digest, context.run.run_id, datetime.now(UTC)
        )
        write_raw(con, table, frame, lineage, doc)
        n_rejects = quarantine(con, rejects, source=payload.source, run_id=context.run.run_id)
        con.execute(
            "insert into meta.source_loads values ($s, $u, $h, $v, $n, $r, now())",
            {
                "s": payload.source,
                "u": payload.uri,
                "h": digest,
                "v": payload.vintage,
                "n": len(frame),
                "r": context.run.run_id,
            },
        )
        if n_rejects:
            context.log.warning(
                f"{payload.source}: {n_rejects} row(s) quarantined, see quarantine.rejected_rows"
            )
        return (
            table_metadata(con, f"raw.{table}")
            | {"quarantined_rows": dg.MetadataValue.int(n_rejects)}
            | dict(report() if report else {})
        )

    # Upstream versions count too: a raw asset that reads the registry re-parses when it changes.
    version = input_version(context, con, extra=[digest])
    return build_if_changed(context, con, version, build, metadata=base)


def land_files(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    *,
    table: str,
    source: str,
    paths: list[Path],
    parse: Callable[[duckdb.DuckDBPyConnection], tuple[pd.DataFrame, pd.DataFrame]],
    vintage: str | None = None,
    doc: TableDoc | None = None,
) -> dg.MaterializeResult:
    """Land bundled files as `raw.<table>`; `parse` may read the registry from the connection."""
    payload = Payload(source, ";".join(map(str, paths)), file_bytes(paths), vintage)
    with warehouse.connect() as con:
        return land(context, con, table=table, payload=payload, parse=lambda: parse(con), doc=doc)


@dataclass(frozen=True)
class BundledFiles:
    """Files a raw asset lands: the source id, the paths, how to parse them into (rows, rejects)
    (the parse may read the registry from the connection), the vintage they state and the
    descriptions of the raw table."""

    source: str
    paths: list[Path]
    parse: Callable[[duckdb.DuckDBPyConnection], tuple[pd.DataFrame, pd.DataFrame]]
    vintage: str | None = None
    doc: TableDoc | None = None


def bundled_files_asset(
    table: str,
    files: Callable[[Settings], BundledFiles],
    *,
    description: str,
    deps: Sequence[dg.AssetKey] = (),
    kinds: set[str] | None = None,
) -> dg.AssetsDefinition:
    """The asset `raw/<table>`: lands the files `files(settings)` names (`land_files`)."""

    @dg.asset(
        key=["raw", table], group_name="raw", deps=list(deps), kinds=kinds or {"csv"},
        description=description,
    )  # fmt: skip
    def raw_files(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
    ) -> dg.MaterializeResult:
        f = files(sources.settings)
        return land_files(
            context, warehouse, table=table, source=f.source, paths=f.paths, parse=f.parse,
            vintage=f.vintage, doc=f.doc,
        )  # fmt: skip

    return raw_files


def file_bytes(paths: list[Path]) -> bytes:
    """Names and contents of `paths`, for a content hash that also sees renamed files."""
    return b"".join(p.name.encode() + p.read_bytes() for p in paths)


def file_digests(paths: list[Path]) -> bytes:
    """Name and sha256 of each of `paths` ("absent" for a missing one), read in chunks: the
    identity of a set of files that may be large, for a content hash that sees a file vanish,
    come back or be renamed."""
    lines = [f"{p.name}\0{file_sha256(p) if p.is_file() else 'absent'}" for p in paths]
    return "\n".join(lines).encode()
