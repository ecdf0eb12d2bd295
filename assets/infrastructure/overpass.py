"""The Overpass back-end: measure every (city boundary, catalogue metric) with one live query.

Point metrics take Overpass's own `out count`; line and area metrics are measured in Python
(`assets.infrastructure.geometry`) on the returned geometries, the same code the extract
back-end uses. The HTTP side (query text, answer parsing) is `overpass_api.OverpassClient`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from assets.infrastructure.geometry import feature_value
from assets.infrastructure.metric_catalogue import catalogue_specs
from assets.infrastructure.metric_rows import measured_row, metric_frame
from assets.infrastructure.osm_model import Boundary, MetricSpec, Progress, no_progress
from assets.infrastructure.overpass_api import OverpassClient


def measure_with_overpass(
    client: OverpassClient,
    boundaries: Iterable[Boundary],
    catalogue: pd.DataFrame | Sequence[MetricSpec],
    progress: Progress = no_progress,
) -> pd.DataFrame:
    """One Overpass query per (city, metric), sequentially. SourceError propagates."""
    specs = catalogue_specs(catalogue)
    bounds = list(boundaries)
    total = len(bounds) * len(specs)
    rows, done = [], 0
    for b in bounds:
        for m in specs:
            result = client.run(b, m)
            if m.geometry == "point":
                value = float(result.count or 0)
            else:
                value = sum(feature_value(f, m.geometry, b) for f in result.features)
            rows.append(
                measured_row(
                    b,
                    m,
                    value,
                    result.osm_timestamp or "unknown",
                    "osm_overpass",
                    client.url,
                    f"Overpass QL: {' '.join(result.query.split())}",
                )
            )
            done += 1
            progress(done, total, f"overpass {b.city_id} {m.metric_id} = {value:g} {m.unit}")
    return metric_frame(rows)
