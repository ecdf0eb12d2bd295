"""`make dev` starts the Dagster UI on 127.0.0.1 with the nightly schedule running."""

import os
import shutil
import signal
import socket
import subprocess
import time

import pytest
import requests

from pipelines.settings import REPO_ROOT

QUERY = """
{ repositoriesOrError { ... on RepositoryConnection { nodes {
    name
    schedules { name cronSchedule executionTimezone scheduleState { status } }
    sensors { name sensorState { status } }
} } } }
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_make_dev_serves_ui_with_running_schedule(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    env = os.environ | {
        "DAGSTER_HOME": str(home),
        "ASCN_UI_PORT": str(port),
        "ASCN_OUTPUT_DIR": str(tmp_path / "warehouse"),
    }
    proc = subprocess.Popen(
        ["make", "dev"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{url}/server_info", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None, "make dev exited early"
            assert time.monotonic() < deadline, "UI did not answer within 120 s"
            time.sleep(1)
        answer = requests.post(f"{url}/graphql", json={"query": QUERY}, timeout=30).json()
        nodes = answer["data"]["repositoriesOrError"]["nodes"]
        schedules = {s["name"]: s for node in nodes for s in node["schedules"]}
        nightly = schedules["nightly_refresh"]
        assert nightly["scheduleState"]["status"] == "RUNNING"
        assert nightly["cronSchedule"] == "0 2 * * *"
        assert nightly["executionTimezone"] == "Asia/Phnom_Penh"
        sensors = {s["name"] for node in nodes for s in node["sensors"]}
        assert "project_register_inbox" in sensors
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
