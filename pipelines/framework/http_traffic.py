"""What a live source cost in a run, as asset metadata and one log line (for every client)."""

from __future__ import annotations

import dagster as dg

from pipelines.framework.http import Traffic


def traffic_metadata(traffic: Traffic | None) -> dict[str, dg.MetadataValue]:
    """`http_requests`, `http_bytes`, `http_reused`, `http_not_modified`, `http_retries`."""
    if traffic is None:
        return {}
    return {
        "http_requests": dg.MetadataValue.int(traffic.requests),
        "http_bytes": dg.MetadataValue.int(traffic.bytes),
        "http_reused": dg.MetadataValue.int(traffic.reused),
        "http_not_modified": dg.MetadataValue.int(traffic.not_modified),
        "http_retries": dg.MetadataValue.int(traffic.retries),
    }


def log_traffic(context: dg.AssetExecutionContext, source: str, traffic: Traffic | None) -> None:
    """One line, also when the fetch failed: e.g. ``worldbank_indicators: 13 request(s), ...``."""
    if traffic is not None:
        context.log.info(f"{source}: {traffic.summary()}")
