"""Landing a source in `raw`: lineage, change detection, quarantine and UI metadata in one place."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from pipelines.clients.http import SourceError
from pipelines.resources import WarehouseResource
from warehouse.db import Lineage, checked_identifier, content_hash, quarantine, write_raw

# Parse step: returns (rows, rejects); rejects may be empty.
Parser = Callable[[], tuple[pd.DataFrame, pd.DataFrame]]
NO_REJECTS = pd.DataFrame(columns=["source_uri", "row_number", "field", "value", "reason"])


@contextmanager
def permanent_errors_fail_fast() -> Iterator[None]:
    """Let the asset retry policy retry outages, not errors a retry cannot fix.

    The HTTP client already retried transient failures; a 4xx answer (other than 429), a
    malformed response or a bad file will fail the same way again in 30 seconds.
    """
    try:
        yield
    except SourceError as exc:
        if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
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


def previous_hash(con: duckdb.DuckDBPyConnection, source: str, table: str) -> str | None:
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name = $t",
        {"t": table},
    ).fetchall()[0][0]
    if not exists:
        return None
    rows = con.execute(
        "select content_hash from meta.source_loads where source = $s "
        "order by loaded_at desc limit 1",
        {"s": source},
    ).fetchall()
    return rows[0][0] if rows else None


def land(
    context: dg.AssetExecutionContext,
    con: duckdb.DuckDBPyConnection,
    *,
    table: str,
    payload: Payload,
    parse: Parser,
) -> dict[str, dg.MetadataValue]:
    """Parse and write `raw.<table>` unless the payload is byte-identical to the last load."""
    digest = content_hash(payload.data)
    meta: dict[str, dg.MetadataValue] = {
        "source": dg.MetadataValue.text(payload.source),
        "source_uri": dg.MetadataValue.text(payload.uri),
        "content_hash": dg.MetadataValue.text(digest),
        "vintage": dg.MetadataValue.text(payload.vintage or "not stated"),
    }
    if previous_hash(con, payload.source, table) == digest:
        context.log.info(f"{payload.source}: unchanged since the last load, not re-processed")
        rows = con.execute(
            f"select count(*) from {checked_identifier('raw.' + table)}"  # noqa: S608
        ).fetchall()[0][0]
        return meta | {"row_count": dg.MetadataValue.int(rows), "unchanged": True}

    frame, rejects = parse()
    lineage = Lineage(payload.source, payload.uri, digest, context.run_id, datetime.now(UTC))
    write_raw(con, table, frame, lineage)
    n_rejects = quarantine(con, rejects, source=payload.source, run_id=context.run_id)
    con.execute(
        "insert into meta.source_loads values ($s, $u, $h, $v, $n, $r, now())",
        {
            "s": payload.source,
            "u": payload.uri,
            "h": digest,
            "v": payload.vintage,
            "n": len(frame),
            "r": context.run_id,
        },
    )
    if n_rejects:
        context.log.warning(
            f"{payload.source}: {n_rejects} row(s) quarantined, see quarantine.rejected_rows"
        )
    return meta | {
        "row_count": dg.MetadataValue.int(len(frame)),
        "quarantined_rows": dg.MetadataValue.int(n_rejects),
        "preview": dg.MetadataValue.md(_preview(frame)),
        "unchanged": False,
    }


def land_files(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    *,
    table: str,
    source: str,
    paths: list[Path],
    parse: Callable[[duckdb.DuckDBPyConnection], tuple[pd.DataFrame, pd.DataFrame]],
    vintage: str | None = None,
) -> dg.MaterializeResult:
    """Land bundled files as `raw.<table>`; `parse` may read the registry from the connection."""
    data = b"".join(p.name.encode() + p.read_bytes() for p in paths)
    payload = Payload(source, ";".join(map(str, paths)), data, vintage)
    with warehouse.connect() as con:
        meta = land(context, con, table=table, payload=payload, parse=lambda: parse(con))
    return dg.MaterializeResult(metadata=meta)


def _preview(frame: pd.DataFrame, rows: int = 5) -> str:
    try:
        return frame.head(rows).to_markdown(index=False)
    except ImportError:  # tabulate missing: fall back to plain text
        return "```\n" + frame.head(rows).to_string(index=False) + "\n```"
