"""Publish waits for every published table: its deps are the `marts/...` assets, found, not
listed."""

import dagster as dg

from pipelines.definitions import defs
from pipelines.framework.discovery import family_asset_keys


def test_publish_depends_on_every_marts_asset() -> None:
    graph = defs.resolve_asset_graph()
    marts = {
        key
        for key in graph.get_all_asset_keys()
        if key.path[0] == "marts" and graph.get(key).is_materializable
    }
    assert dg.AssetKey(["marts", "indicator_values"]) in marts
    assert set(family_asset_keys("marts", frozenset({"publish"}))) == marts
    assert marts <= set(graph.get(dg.AssetKey(["publish", "warehouse"])).parent_keys)
