"""The real nightly job in live mode against a local replay server (nothing touches the internet).

One replay server (tests/helpers/replay.py) stands in for the World Bank Indicators API v2, the
World Bank Projects API, the IATI Datastore and Overpass, in the shapes of the real APIs
(tests/helpers/*_replay.py). The job is the one in `pipelines.definitions` (the same assets as
offline), run in process against a temporary warehouse.

World Bank Indicators cases of issue 13, each through the whole job: an answer for another
indicator, for countries not asked for, for another page, an HTTP-200 error body (each refused,
the run fails, the published file's sha256 unchanged), a 429 with Retry-After and a rate-limit
HTML page with HTTP 200 (each waited for and retried: the run publishes), and a resumed run after
one failed request (only the missing request is made).

Data served: World Bank Indicators SYNTHETIC values (tests/helpers/worldbank_replay.py); World
Bank Projects the REAL recorded records in tests/fixtures (CC BY 4.0); IATI and Overpass
SYNTHETIC. Expected values are worked out by hand from the served data, never copied from the
program's output.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator

import pytest
from werkzeug import Request, Response

from tests.helpers import overpass_replay as osm
from tests.helpers.answers import proxy_rate_limit_page, too_many_requests, worldbank_error
from tests.helpers.geodesy import meridian_km
from tests.helpers.pipeline import (
    failure_text,
    indicator,
    live_apis,
    live_env,
    materialization,
    query,
    run_nightly,
    sha256,
    trimmed_data_dir,
)
from tests.helpers.projects_replay import IATI_KEY, RECORDS
from tests.helpers.replay import json_answer, replay_server
from tests.helpers.worldbank_replay import (
    LASTUPDATED,
    SOURCE,
    live_series,
    live_series_codes,
    page_answer,
    record,
    synthetic_records,
)

BTB = osm.BTB
BTB_LAT = 13.1
# Municipality 2019 population (census_city_figures.csv), precedence over the 2019 province.
BTB_POPULATION = 119251.0
BTB_RING5_KM2 = 128 * 25 * math.sin(math.pi / 128)  # the 5 km ring, an inscribed 256-gon
N_SERIES = len(live_series_codes())  # one request per series (every series fits in one page)
PROBE = "IT.NET.USER.ZS"  # the series the failure cases hit


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """One successful live run against the replay; yields what the tests need."""
    base = tmp_path_factory.mktemp("live")
    with replay_server() as replay:
        apis = live_apis(replay)
        data = trimmed_data_dir(base / "data", BTB + ",", osm.METRICS)
        env = live_env(base, replay, ASCN_DATA_DIR=str(data), IATI_API_KEY=IATI_KEY)
        with pytest.MonkeyPatch.context() as mp:
            result = run_nightly(mp, env)
        db = base / "warehouse" / "ascn.duckdb"
        print(f"\nlive run against the local replay ({'ok' if result.success else 'FAILED'}):")
        for source in ("worldbank_indicators", "worldbank_projects", "iati", "osm_overpass"):
            print(f"  {source}: {replay.count(source)} requests, {replay.bytes_served(source):,} "
                  "bytes served")  # fmt: skip
        counts = {s: replay.count(s) for s in apis} | {
            f"{s}_bytes": replay.bytes_served(s) for s in apis
        }
        yield {"result": result, "replay": replay, "apis": apis, "env": env, "db": db,
               "counts": counts}  # fmt: skip


def rerun(live: dict, **env: str) -> tuple[object, str]:
    """Another nightly run on the same warehouse (e.g. the next night: max age 0)."""
    live["replay"].clear_log()
    with pytest.MonkeyPatch.context() as mp:
        result = run_nightly(mp, live["env"] | env)
    return result, failure_text(result)


def wb_url(live: dict, code: str, page: int = 1) -> str:
    return (
        f"{live['env']['ASCN_WORLDBANK_API_URL']}/country/BRN;KHM;IDN;LAO;MYS;MMR;PHL;SGP;THA;VNM"
        f"/indicator/{code}?format=json&per_page=1000&page={page}&date=2000:2030"
    )


def for_probe(request: Request) -> bool:
    return f"/indicator/{PROBE}" in request.path


@pytest.mark.slow
def test_live_run_publishes_the_world_bank_series_and_reports_its_cost(live):
    result, replay, db = live["result"], live["replay"], live["db"]
    assert result.success, failure_text(result)
    assert live["counts"][SOURCE] == N_SERIES  # one request per series, none twice
    assert all("@" not in s.path for s in replay.requests(SOURCE))
    agent = replay.requests(SOURCE)[0].headers["User-Agent"]
    assert agent.endswith("(open-source city indicators pipeline; contact: ascn-tests@example.org)")

    # The asset reports what the source cost: exactly what the replay server served.
    meta = materialization(result, "raw", "worldbank_indicators")
    assert meta is not None
    assert (meta["http_requests"], meta["http_bytes"]) == (
        live["counts"][SOURCE], live["counts"][f"{SOURCE}_bytes"]
    )  # fmt: skip
    assert (meta["http_reused"], meta["http_retries"]) == (0, 0)

    served = sorted(
        (stored, r["countryiso3code"], int(r["date"]), r["value"] is None)
        for stored, api in live_series()
        for r in synthetic_records(api)
    )
    landed = query(
        db,
        "select indicator_code, country_iso3, year, "
        "value_flag is not distinct from 'not_published' "
        "from raw.worldbank_indicators order by all",
    )
    assert landed == served  # every served record once; the null 2023 values flagged
    assert query(db, "select count(*) from raw.worldbank_indicators where value = 0") == [(0,)]
    assert query(db, "select distinct vintage, _source_uri from raw.worldbank_indicators") == [
        (LASTUPDATED, live["env"]["ASCN_WORLDBANK_API_URL"])
    ]
    internet = indicator(db, BTB, "national_internet_users_pct")
    assert internet["value"] == pytest.approx(61.25)  # KHM 2022 as served
    assert (internet["data_year"], internet["vintage"]) == (2022, LASTUPDATED)


@pytest.mark.slow
def test_live_run_publishes_every_source(live):
    result, db, env = live["result"], live["db"], live["env"]
    assert result.success, failure_text(result)
    assert live["counts"]["worldbank_projects"] == 10  # one page per ASEAN country
    assert live["counts"]["iati"] == 3  # cursor pages *, AoE1, AoE2
    lineage = {
        "worldbank_projects": env["ASCN_WORLDBANK_PROJECTS_API_URL"],
        "iati_activities": env["ASCN_IATI_API_URL"] + "/activity/select",
        "osm_metrics": env["ASCN_OVERPASS_URL"],
    }
    for table, uri in lineage.items():
        assert query(db, f"select distinct _source_uri from raw.{table}") == [(uri,)], table  # noqa: S608
    ids = {r[0] for r in query(db, "select project_id from raw.worldbank_projects")}
    assert ids == {r["id"] for r in RECORDS}
    iati = query(
        db,
        "select source_project_id, cost, currency, city_id from marts.projects "
        "where source_id = 'iati' order by 1",
    )
    assert [r[0] for r in iati] == ["XX-SYNTHETIC-0001", "XX-SYNTHETIC-0002"]
    assert iati[0][1:] == (pytest.approx(1_000_000), "USD", BTB)  # 400,000 + 600,000 USD
    # OSM (tests/helpers/overpass_replay.py): per resident in Battambang's admin polygon, linked
    # to the municipality (4 nodes + 1 way served for area 2); per km2 in the 5 km ring
    hospitals = indicator(db, BTB, "hospitals_per_100k")
    assert hospitals["value"] == pytest.approx(5 / BTB_POPULATION * 100_000)
    road_km = meridian_km(BTB_LAT, osm.ROAD_NORTH_DEG)  # the trunk road, inside the ring
    road = indicator(db, BTB, "road_density")
    assert road["value"] == pytest.approx(road_km / BTB_RING5_KM2, rel=1e-6)


# ---- answers refused: the run fails, nothing is published ----------------------------------
def wrong_indicator(request: Request) -> Response:
    rows = [dict(r, indicator={"id": "SP.POP.GROW", "value": "Population growth (annual %)"})
            for r in synthetic_records(PROBE)]  # fmt: skip
    return json_answer(page_answer(rows, 1, 1000, len(rows)))


def wrong_countries(request: Request) -> Response:
    rows = synthetic_records(PROBE) + [
        record(PROBE, "CHN", 2022, 73.7), record(PROBE, "USA", 2022, 91.8)
    ]  # fmt: skip
    return json_answer(page_answer(rows, 1, 1000, len(rows)))


def wrong_page(request: Request) -> Response:
    rows = synthetic_records(PROBE)
    return json_answer(page_answer(rows, 2, 1000, len(rows)))


REFUSED: dict[str, tuple[Callable[[Request], Response], str]] = {
    "another_indicator": (
        wrong_indicator,
        "answer for indicator SP.POP.GROW, asked IT.NET.USER.ZS",
    ),
    "countries_not_asked": (
        wrong_countries,
        "IT.NET.USER.ZS: answer holds countries CHN, USA not asked for (asked BRN;KHM;IDN;LAO;"
        "MYS;MMR;PHL;SGP;THA;VNM)",
    ),
    "page_mismatch": (wrong_page, "IT.NET.USER.ZS: answer holds page 2, asked page 1"),
    "http_200_error_body": (
        lambda r: worldbank_error(),
        "IT.NET.USER.ZS: World Bank API error: id 120 Invalid value: The provided parameter value "
        "is not valid",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_answer_fails_the_run_and_keeps_the_published_file(live, case):
    answer, mismatch = REFUSED[case]
    assert live["result"].success
    before = sha256(live["db"])
    live["replay"].script(SOURCE, answer, match=for_probe)
    try:
        result, text = rerun(live, ASCN_HTTP_MAX_AGE_HOURS="0")  # the next night: all stale
    finally:
        live["replay"].unscript()
    assert not result.success
    assert f"[worldbank_indicators] {live['env']['ASCN_WORLDBANK_API_URL']}: " in text
    assert f" series failed: {wb_url(live, PROBE)}: {mismatch}" in text
    assert "1 of 13 series failed" in text
    replay = live["replay"]
    assert replay.count(SOURCE) == N_SERIES  # the refused answer was not retried
    assert sha256(live["db"]) == before  # the analysts' file was not touched
    assert materialization(result, "publish", "warehouse") is None


# ---- rate limits: waited for, retried, published --------------------------------------------
RATE_LIMITED = {
    "429_retry_after": too_many_requests(retry_after="1"),
    "rate_limit_page_200": proxy_rate_limit_page(status=200, retry_after_s=1),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(RATE_LIMITED))
def test_rate_limited_answer_is_retried_after_the_stated_delay(live, case):
    live["replay"].script(SOURCE, RATE_LIMITED[case], match=for_probe)
    try:
        result, text = rerun(live, ASCN_HTTP_MAX_AGE_HOURS="0")
    finally:
        live["replay"].unscript()
    assert result.success, text
    probe = [s for s in live["replay"].requests(SOURCE) if f"/indicator/{PROBE}" in s.path]
    assert [(s.status, s.scripted) for s in probe] == [
        (429 if case == "429_retry_after" else 200, True), (200, False)
    ]  # fmt: skip
    meta = materialization(result, "raw", "worldbank_indicators")
    assert meta is not None and meta["http_requests"] == N_SERIES + 1 and meta["http_retries"] == 1


# ---- a resumed run asks only for what failed ------------------------------------------------
@pytest.mark.slow
def test_resumed_run_after_one_failed_request_makes_only_the_missing_request(live, tmp_path):
    """A first night on a new warehouse: one series fails on both tries, the run fails and
    publishes nothing; its retry makes one request (the other answers are kept)."""
    env = {"ASCN_OUTPUT_DIR": str(tmp_path / "warehouse"), "DAGSTER_HOME": str(tmp_path / "home")}
    down = json_answer({"error": "upstream timeout"}, status=503)
    live["replay"].script(SOURCE, down, match=for_probe, times=2)  # both tries fail
    result, text = rerun(live, **env)
    assert not result.success
    assert f"{wb_url(live, PROBE)}: gave up after 2 attempts: HTTP 503: upstream timeout" in text
    assert not (tmp_path / "warehouse" / "ascn.duckdb").exists()  # nothing published
    assert live["replay"].count(SOURCE) == N_SERIES + 1  # 12 series once, the failing one twice
    kept = list((tmp_path / "warehouse" / "cache" / "http" / SOURCE).glob("*.body"))
    assert len(kept) == N_SERIES - 1

    result, text = rerun(live, **env)  # the retry, within the max age
    assert result.success, text
    asked = [re.search(r"/indicator/([^?]+)", s.path).group(1)
             for s in live["replay"].requests(SOURCE)]  # fmt: skip
    assert asked == [PROBE]
    meta = materialization(result, "raw", "worldbank_indicators")
    assert meta is not None
    assert (meta["http_requests"], meta["http_reused"]) == (1, N_SERIES - 1)
    assert meta["http_bytes"] == live["replay"].bytes_served(SOURCE)
    db = tmp_path / "warehouse" / "ascn.duckdb"
    assert query(db, "select count(*) from raw.worldbank_indicators") == query(
        live["db"], "select count(*) from raw.worldbank_indicators"
    )  # the same rows as a run that never failed
    print(f"\nresumed run: {meta['http_requests']} request, {meta['http_bytes']:,} bytes, "
          f"{meta['http_reused']} kept answers reused")  # fmt: skip
