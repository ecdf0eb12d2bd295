"""Reliability: crash safety, concurrent runs and readers, idempotence, read-only publication,
configuration and SQL hygiene, run-failure alerts. See docs/FAULTS.md for the fault matrix.

The slow tests start the real pipeline as `python -m pipelines.run` subprocesses (exactly what
`make run` does), each against its own warehouse folder and DAGSTER_HOME, and SIGKILL them at
chosen steps. Nothing under test is mocked.
"""

from __future__ import annotations

import ast
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.resources import WarehouseBusyError, WarehouseResource, recover_unreadable_build
from pipelines.sensors import failure_webhook
from pipelines.settings import Settings

REPO = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 180
BUSY = "another run is writing"


# --------------------------------------------------------------------------- helpers


@dataclass
class Run:
    proc: subprocess.Popen
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait(self) -> int:
        try:
            return self.proc.wait(timeout=RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        # The run was started in its own session: kill exactly that process group.
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)


def start_run(warehouse: Path, home: Path, log: Path, *, force: bool = True) -> Run:
    """`python -m pipelines.run` in a subprocess, stdout+stderr to `log` (line-buffered).

    `force` (the default here) rebuilds and republishes even on unchanged inputs, so that every
    run goes through every step these faults are injected into.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASCN_", "DAGSTER_"))}
    env.update(
        ASCN_FORCE_REBUILD="1" if force else "0",
        ASCN_MODE="offline",
        ASCN_OUTPUT_DIR=str(warehouse),
        DAGSTER_HOME=str(home),
        DAGSTER_DISABLE_TELEMETRY="1",
        GX_ANALYTICS_ENABLED="False",
        PYTHONUNBUFFERED="1",
        ASCN_RUN_LOG="debug",  # Dagster's full event log: the kill points wait for step starts
    )
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "dagster_home" / "dagster.yaml", home / "dagster.yaml")  # as make run
    out = log.open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.run"],
        cwd=REPO,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    out.close()
    return Run(proc, log)


def wait_until(run: Run, condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if run.proc.poll() is not None:
            rc = run.proc.returncode
            raise AssertionError(f"run ended (rc {rc}) before {what}:\n{run.text()}")
        if time.monotonic() > deadline:
            run.kill()
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


def step_started(run: Run, step: str) -> Callable[[], bool]:
    return lambda: f'Started execution of step "{step}"' in run.text()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def marts_snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    names = [
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()
    ]
    return {
        name: sorted(
            con.execute(f"select * from marts.{name}").fetchall(),  # noqa: S608
            key=repr,
        )
        for name in names
    }


def publication_run_id(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select run_id from meta.publication").fetchall()[0][0]


def check_published(published: Path, expected_sha: str | None = None) -> str:
    """The analysts' file opens read-only, its marts answer; returns its publication run id."""
    if expected_sha is not None:
        assert sha256(published) == expected_sha, "published ascn.duckdb changed"
    con = duckdb.connect(str(published), read_only=True)
    try:
        counts = {k: len(v) for k, v in marts_snapshot(con).items()}
        assert counts["coverage"] > 0 and counts["indicator_values"] > 0, counts
        assert con.execute("select count(*) from marts.indicator_values").fetchall()[0][0] > 0
        return publication_run_id(con)
    finally:
        con.close()


def lock_is_free(warehouse: Path) -> bool:
    fd = os.open(warehouse / "build" / "run.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def stale_temp_files(warehouse: Path) -> list[str]:
    return sorted(p.name for p in warehouse.glob(".ascn.duckdb.*.tmp"))


# --------------------------------------------------------------------------- fixtures


@dataclass
class Baseline:
    warehouse: Path
    home: Path
    sha: str
    run_id: str
    marts: dict[str, list[tuple]]
    seconds: float


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    """One complete run that published a warehouse (the state every later fault starts from)."""
    root = tmp_path_factory.mktemp("reliability")
    warehouse, home = root / "warehouse", root / "home"
    t0 = time.monotonic()
    run = start_run(warehouse, home, root / "run1.log")
    assert run.wait() == 0, run.text()
    seconds = time.monotonic() - t0
    published = warehouse / "ascn.duckdb"
    con = duckdb.connect(str(published), read_only=True)
    try:
        marts = marts_snapshot(con)
        run_id = publication_run_id(con)
    finally:
        con.close()
    return Baseline(warehouse, home, sha256(published), run_id, marts, seconds)


@dataclass
class SecondRound:
    """Two runs started together on `first_run`'s warehouse while an analyst session is open."""

    codes: list[int]
    logs: list[str]
    analyst_answers: list[tuple]
    analyst_after: tuple
    other_process_sees: str
    same_process_after_reopen: str
    marts: dict[str, list[tuple]]
    winner_run_id: str


@pytest.fixture(scope="module")
def second_round(first_run: Baseline) -> SecondRound:
    published = first_run.warehouse / "ascn.duckdb"
    analyst = duckdb.connect(str(published), read_only=True)
    query = "select (select count(*) from marts.coverage), (select run_id from meta.publication)"
    answers = [analyst.execute(query).fetchall()[0]]
    runs = [
        start_run(first_run.warehouse, first_run.home, first_run.home.parent / f"run2{c}.log")
        for c in "ab"
    ]
    while any(r.proc.poll() is None for r in runs):
        answers.append(analyst.execute(query).fetchall()[0])  # the analyst keeps working
        time.sleep(0.2)
    codes = [r.wait() for r in runs]
    after = analyst.execute(query).fetchall()[0]
    # A new session in another process opens the file now at the published path.
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import duckdb,sys; c = duckdb.connect(sys.argv[1], read_only=True); "
            "print(c.execute('select run_id from meta.publication').fetchall()[0][0])",
            str(published),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    analyst.close()
    con = duckdb.connect(str(published), read_only=True)
    try:
        reopened = publication_run_id(con)
        marts = marts_snapshot(con)
    finally:
        con.close()
    return SecondRound(
        codes=codes,
        logs=[r.text() for r in runs],
        analyst_answers=answers,
        analyst_after=after,
        other_process_sees=probe.stdout.strip(),
        same_process_after_reopen=reopened,
        marts=marts,
        winner_run_id=reopened,
    )


# --------------------------------------------------------------------------- 1. crash safety


@pytest.mark.slow
def test_sigkill_at_each_step_keeps_published_file_and_next_run_recovers(
    first_run: Baseline, tmp_path: Path
) -> None:
    """Chain of kills on a copy of a published warehouse. Each run after a kill starts from the
    state the kill left (held lock released by the kernel, build file mid-write, WAL, half-written
    temp copy, half-written Parquet folder) with no clean-up, and the last one completes."""
    warehouse, home = tmp_path / "warehouse", tmp_path / "home"
    shutil.copytree(first_run.warehouse, warehouse)
    published = warehouse / "ascn.duckdb"
    expected_sha = first_run.sha
    build = warehouse / "build" / "ascn_build.duckdb"
    left_behind: dict[str, list[str]] = {}

    kill_points: list[tuple[str, Callable[[Run], Callable[[], bool]]]] = [
        ("raw assets", lambda r: step_started(r, "raw__census_population")),
        ("staging", lambda r: step_started(r, "staging__measures")),
        ("marts", lambda r: step_started(r, "marts_projects")),
        # Temp copy of the published file exists and is being written.
        ("publish copy", lambda r: lambda: bool(stale_temp_files(warehouse))),
        # The new file is in place; the Parquet export is being written.
        ("parquet export", lambda r: lambda: (warehouse / "parquet.new").exists()),
    ]
    for n, (where, condition) in enumerate(kill_points):
        temp_before = set(stale_temp_files(warehouse))
        run = start_run(warehouse, home, tmp_path / f"kill{n}.log")
        wait_until(run, condition(run), where)
        run.kill()
        assert lock_is_free(warehouse), f"{where}: run.lock still held after the kill"
        left_behind[where] = [
            p.name
            for p in [*warehouse.iterdir(), *build.parent.iterdir()]
            if p.name.endswith((".tmp", ".wal", ".new", ".old"))
        ]
        new_temp = set(stale_temp_files(warehouse)) - temp_before
        if where == "parquet export" or (where == "publish copy" and not new_temp):
            # The kill came after os.replace: the new file is complete, not a torn one.
            run_id = check_published(published)
            assert run_id != first_run.run_id
            expected_sha = sha256(published)
            parquet = warehouse / "parquet"
            folder = parquet if parquet.exists() else warehouse / "parquet.old"
            assert {p.stem for p in folder.glob("*.parquet")} == set(first_run.marts)
        else:
            assert check_published(published, expected_sha) == first_run.run_id, where
        if where == "parquet export":
            assert not stale_temp_files(warehouse), "publish removes temp files of killed runs"

    assert left_behind["publish copy"] or left_behind["parquet export"], left_behind
    final = start_run(warehouse, home, tmp_path / "final.log")
    assert final.wait() == 0, final.text()
    run_id = check_published(published)
    assert run_id != first_run.run_id
    assert not stale_temp_files(warehouse)
    assert not (warehouse / "parquet.new").exists() and not (warehouse / "parquet.old").exists()
    con = duckdb.connect(str(published), read_only=True)
    try:
        assert marts_snapshot(con) == first_run.marts  # same inputs, same marts
    finally:
        con.close()
    print(f"left behind by the kills: {json.dumps(left_behind)}")


def _write_big_duckdb(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("create table t as select range as x, 'row ' || range as y from range(200000)")
    con.execute("checkpoint")
    con.close()


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(64 * 1024))


def _truncated(path: Path) -> None:
    _write_big_duckdb(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _zeroed_header(path: Path) -> None:
    _write_big_duckdb(path)
    data = bytearray(path.read_bytes())
    data[4096 : 3 * 4096] = bytes(2 * 4096)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_garbage, _truncated, _zeroed_header])
def test_unreadable_build_file_is_set_aside_and_rebuilt(
    tmp_path: Path, damage: Callable[[Path], None], capfd: pytest.CaptureFixture[str]
) -> None:
    build = tmp_path / "build" / "ascn_build.duckdb"
    build.parent.mkdir()
    damage(build)
    damaged_sha = sha256(build)
    with pytest.raises(duckdb.Error):
        duckdb.connect(str(build)).close()
    resource = WarehouseResource(output_dir=str(tmp_path))
    t0 = time.monotonic()
    resource.setup_for_execution(dg.build_init_resource_context())
    try:
        with resource.connect() as con:
            schemas = {
                r[0] for r in con.execute("select schema_name from duckdb_schemas()").fetchall()
            }
    finally:
        resource.teardown_after_execution(dg.build_init_resource_context())
    assert time.monotonic() - t0 < 20  # no 100 s of connect retries on a file that cannot open
    assert {"raw", "staging", "marts", "meta", "quarantine"} <= schemas
    log = "".join(capfd.readouterr())
    assert "is unreadable" in log and "set aside as" in log and "not deleted" in log
    (aside,) = build.parent.glob("ascn_build.duckdb.damaged-*")
    assert sha256(aside) == damaged_sha  # kept as it was, for inspection
    assert aside.name in log


def test_build_file_held_open_by_another_process_is_not_deleted(tmp_path: Path) -> None:
    """Recovery deletes only a file DuckDB cannot read, never one another program holds open."""
    build = tmp_path / "ascn_build.duckdb"
    _write_big_duckdb(build)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb,sys,time; c = duckdb.connect(sys.argv[1]); print('open', flush=True);"
            " time.sleep(60)",
            str(build),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        assert recover_unreadable_build(build, logging.getLogger("test")) is False
        assert build.exists()
    finally:
        holder.kill()
        holder.wait()
    con = duckdb.connect(str(build), read_only=True)
    assert con.execute("select count(*) from t").fetchall()[0][0] == 200000
    con.close()
    assert recover_unreadable_build(tmp_path / "absent.duckdb", logging.getLogger("t")) is False


# --------------------------------------------------------------------------- 2. concurrency


def test_second_writer_is_refused_while_the_lock_is_held_and_a_stale_lock_file_is_not(
    tmp_path: Path,
) -> None:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "run.lock").touch()  # left by a killed run: no holder, no effect
    first = WarehouseResource(output_dir=str(tmp_path))
    first.setup_for_execution(dg.build_init_resource_context())
    try:
        second = WarehouseResource(output_dir=str(tmp_path))
        with pytest.raises(WarehouseBusyError, match=BUSY):
            second.setup_for_execution(dg.build_init_resource_context())
    finally:
        first.teardown_after_execution(dg.build_init_resource_context())
    third = WarehouseResource(output_dir=str(tmp_path))
    third.setup_for_execution(dg.build_init_resource_context())
    third.teardown_after_execution(dg.build_init_resource_context())


@pytest.mark.slow
def test_two_runs_started_together_one_publishes_the_other_is_refused(
    first_run: Baseline, second_round: SecondRound
) -> None:
    assert sorted(second_round.codes) == [0, 1], second_round.logs
    refused = second_round.logs[second_round.codes.index(1)]
    assert BUSY in refused
    # run.py names the cause on stderr, not just "an exception was thrown".
    assert re.search(rf"FAILED run: .*{BUSY}", refused), refused
    assert "published warehouse was left unchanged" in refused
    check_published(first_run.warehouse / "ascn.duckdb")
    assert {k: len(v) for k, v in second_round.marts.items()} == {
        k: len(v) for k, v in first_run.marts.items()
    }


@pytest.mark.slow
def test_analyst_session_keeps_answering_during_and_after_a_publish(
    first_run: Baseline, second_round: SecondRound
) -> None:
    old = (len(first_run.marts["coverage"]), first_run.run_id)
    assert len(second_round.analyst_answers) > 10  # queried all through the run
    assert set(second_round.analyst_answers) == {old}
    assert second_round.analyst_after == old  # still the old copy (its inode stays alive)
    assert second_round.winner_run_id != first_run.run_id
    assert second_round.other_process_sees == second_round.winner_run_id
    # Note: in the SAME process DuckDB reuses an open database for the same path, so an analyst
    # sees the new file after closing every connection to the old one (docs/FAULTS.md).
    assert second_round.same_process_after_reopen == second_round.winner_run_id


# --------------------------------------------------------------------------- 3. idempotence


@pytest.mark.slow
def test_second_run_on_same_inputs_gives_identical_marts_without_duplicates(
    first_run: Baseline, second_round: SecondRound
) -> None:
    assert second_round.marts.keys() == first_run.marts.keys()
    for table, rows in first_run.marts.items():
        assert second_round.marts[table] == rows, f"marts.{table} differs between runs"
        assert len(set(map(repr, rows))) == len(rows), f"duplicate rows in marts.{table}"
    con = duckdb.connect(str(first_run.warehouse / "ascn.duckdb"), read_only=True)
    try:
        per_run = con.execute(
            "select table_name, column_name from duckdb_columns() where schema_name = 'marts' "
            "and regexp_matches(column_name, '(run_id|published_at|loaded_at|_retrieved_at)')"
        ).fetchall()
    finally:
        con.close()
    assert per_run == [], f"per-run columns in marts: {per_run}"


# --------------------------------------------------------------------------- 4. read-only files


def _open_read_write_as(path: Path, uid: int | None) -> str:
    """Try `duckdb.connect(path)` (read-write) as the analyst; returns 'opened' or the error."""
    if uid is None:
        try:
            duckdb.connect(str(path)).close()
            return "opened"
        except duckdb.Error as exc:
            return str(exc)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: become the analyst, try, report through the pipe
        os.close(r)
        try:
            os.setgid(uid)
            os.setuid(uid)
            duckdb.connect(str(path)).close()
            msg = "opened"
        except BaseException as exc:
            msg = str(exc)
        os.write(w, msg.encode())
        os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    with os.fdopen(r) as f:
        return f.read()


@pytest.mark.slow
def test_published_files_are_read_only_for_analysts(
    first_run: Baseline, second_round: SecondRound, tmp_path: Path
) -> None:
    published = first_run.warehouse / "ascn.duckdb"
    assert stat.S_IMODE(published.stat().st_mode) & 0o222 == 0
    parquet = first_run.warehouse / "parquet"
    files = {p.stem: p for p in parquet.glob("*.parquet")}
    assert files.keys() == second_round.marts.keys()
    con = duckdb.connect()
    for name, path in files.items():
        assert stat.S_IMODE(path.stat().st_mode) & 0o222 == 0, path
        rows = con.execute("select count(*) from read_parquet($p)", {"p": str(path)}).fetchall()
        assert rows[0][0] == len(second_round.marts[name]), name
    con.close()

    if os.geteuid() == 0:
        # root ignores permission bits: check as an unprivileged analyst who owns a copy of the
        # file with the same mode (the case of `make run` on the analyst's own laptop).
        analyst = 65534
        folder = tmp_path / "analyst"
        folder.mkdir()
        shutil.copy2(published, folder / "ascn.duckdb")
        os.chmod(tmp_path, 0o755)
        for p in (folder, folder / "ascn.duckdb"):
            os.chown(p, analyst, analyst)
        target, uid = folder / "ascn.duckdb", analyst
    else:
        target, uid = published, None
    assert stat.S_IMODE(target.stat().st_mode) & 0o222 == 0
    before = sha256(target)
    outcome = _open_read_write_as(target, uid)
    assert "Permission denied" in outcome, outcome
    assert sha256(target) == before
    duckdb.connect(str(target), read_only=True).close()


# --------------------------------------------------------------------------- 5. config, SQL

ENV_EXAMPLE = REPO / ".env.example"
CODE_DIRS = ["pipelines", "assets", "checks", "warehouse", "scripts"]
ENV_CALLS = {("environ", "get"), ("environ", "setdefault"), ("environ", "pop"), ("os", "getenv")}


def parse(source: str) -> ast.Module:
    # CPython 3.11.7 ast.parse can raise a spurious "AST constructor recursion depth mismatch"
    # SystemError when another thread builds an AST at the same time (gh-106905, fixed in 3.11.8).
    for attempt in range(5):
        try:
            return ast.parse(source)
        except SystemError:
            if attempt == 4:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")


def python_files(dirs: list[str]) -> list[Path]:
    return sorted(p for d in dirs for p in (REPO / d).rglob("*.py") if "__pycache__" not in p.parts)


def env_names_in(source: str) -> set[str]:
    """Names read with os.environ.get/[...]/setdefault, os.getenv, dg.EnvVar, or passed as an
    `ASCN_*` literal to a helper (e.g. settings._path("ASCN_DATA_DIR", ...))."""
    names: set[str] = set()
    for node in ast.walk(parse(source)):
        arg: ast.AST | None = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if isinstance(func, ast.Attribute):
                owner = func.value
                owner_name = (
                    owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
                )
                if (owner_name, func.attr) in ENV_CALLS or func.attr == "EnvVar":
                    arg = node.args[0]
            elif isinstance(func, ast.Name) and func.id == "EnvVar":
                arg = node.args[0]
            first = node.args[0]
            if (
                arg is None
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and re.fullmatch(r"ASCN_[A-Z0-9_]+", first.value)
            ):
                arg = first
        elif isinstance(node, ast.Subscript):
            value = node.value
            if isinstance(value, ast.Attribute) and value.attr == "environ":
                arg = node.slice
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            names.add(arg.value)
    return names


def env_example() -> dict[str, str | None]:
    """NAME -> value for `NAME=value` lines; None for documented but commented-out ones."""
    out: dict[str, str | None] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        m = re.fullmatch(r"(#\s*)?([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if m:
            out[m.group(2)] = None if m.group(1) else m.group(3).strip()
    return out


def test_env_names_scanner_finds_every_form() -> None:
    src = (
        'import os\nos.environ.get("A_1")\nos.environ["B_2"]\nos.getenv("C_3")\n'
        'dg.EnvVar("D_4")\n_path("ASCN_E", x)\nprint("NOT_A_VAR")\n'
    )
    assert env_names_in(src) == {"A_1", "B_2", "C_3", "D_4", "ASCN_E"}


def test_every_environment_variable_is_documented_in_env_example() -> None:
    read: dict[str, str] = {}
    for path in python_files(CODE_DIRS):
        for name in env_names_in(path.read_text()):
            read.setdefault(name, str(path.relative_to(REPO)))
    makefile = (REPO / "Makefile").read_text()
    for name in re.findall(r"\$\$?\{(\w+)", makefile) + re.findall(
        r"^export (\w+) \?=", makefile, re.M
    ):
        read.setdefault(name, "Makefile")
    assert {"ASCN_MODE", "ASCN_OUTPUT_DIR", "ASCN_FAILURE_WEBHOOK_URL", "DAGSTER_HOME"} <= set(read)
    missing = {n: where for n, where in read.items() if n not in env_example()}
    assert not missing, f"not documented in .env.example: {missing}"


def test_env_example_has_no_secrets_and_its_values_are_the_code_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    values = env_example()
    for name, value in values.items():
        if re.search(r"KEY|TOKEN|SECRET|PASSWORD|WEBHOOK", name):
            assert not value, f"{name} must be empty in .env.example"
    for name in list(os.environ):
        if name.startswith("ASCN_") or name == "IATI_API_KEY":
            monkeypatch.delenv(name)
    for name, value in values.items():
        if value is not None:
            monkeypatch.setenv(name, value)
    assert Settings.from_env() == Settings()


SQL_METHODS = {"execute", "executemany", "sql", "query"}


def formatted_sql_calls(source: str) -> list[tuple[int, bool]]:
    """(line, marked) for every SQL call whose text is built by formatting (f-string, %, format).
    `marked` means a `# noqa: S608` comment on one of the call's lines: identifiers only, checked
    against an allow-list (warehouse.db.checked_identifier or equivalent)."""
    lines = source.splitlines()
    found = []
    for node in ast.walk(parse(source)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SQL_METHODS
            and node.args
        ):
            continue
        sql = node.args[0]
        formatted = (
            isinstance(sql, ast.JoinedStr)
            or (isinstance(sql, ast.BinOp) and isinstance(sql.op, ast.Mod | ast.Add))
            or (
                isinstance(sql, ast.Call)
                and isinstance(sql.func, ast.Attribute)
                and sql.func.attr == "format"
            )
        )
        if formatted:
            span = lines[node.lineno - 1 : node.end_lineno]
            found.append((node.lineno, any("# noqa: S608" in line for line in span)))
    return found


def test_sql_format_scanner_catches_unmarked_and_accepts_marked() -> None:
    src = (
        'con.execute(f"select * from {t}")\n'
        'con.execute(f"select * from {t}")  # noqa: S608\n'
        'con.execute(\n    f"select {c}"  # noqa: S608\n)\n'
        'con.sql("select %s" % v)\n'
        'con.execute("select {}".format(v))\n'
        'con.execute("select " + v)\n'
        'con.execute("select $v", {"v": v})\n'
    )
    assert formatted_sql_calls(src) == [
        (1, False),
        (2, True),
        (3, True),
        (6, False),
        (7, False),
        (8, False),
    ]


def test_no_sql_is_built_by_formatting_values() -> None:
    unmarked = [
        f"{path.relative_to(REPO)}:{line}"
        for path in python_files([*CODE_DIRS, "tests"])
        for line, marked in formatted_sql_calls(path.read_text())
        if not marked
    ]
    assert not unmarked, (
        f"SQL built by formatting: {unmarked}. Bind values as $parameters; for identifiers use "
        "warehouse.db.checked_identifier and mark the line `# noqa: S608`."
    )


# --------------------------------------------------------------------------- 6. failure alert


@dg.op
def _explodes() -> None:
    raise RuntimeError("disk full")


@dg.job
def _failing_job() -> None:
    _explodes()


def _failure_context() -> tuple[dg.RunFailureSensorContext, str, dg.DagsterInstance]:
    instance = dg.DagsterInstance.ephemeral()
    result = _failing_job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    context = dg.build_run_status_sensor_context(
        sensor_name="failure_webhook",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
    ).for_run_failure()
    return context, result.run_id, instance


def test_failure_webhook_posts_the_run_id(httpserver, monkeypatch: pytest.MonkeyPatch) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    monkeypatch.setenv("ASCN_FAILURE_WEBHOOK_URL", httpserver.url_for("/hook"))
    context, run_id, instance = _failure_context()
    with instance:
        failure_webhook(context)
    assert len(httpserver.log) == 1
    body = httpserver.log[0][0].get_json()
    assert body["run_id"] == run_id
    assert body["job"] == "_failing_job"
    assert run_id in body["text"]


def test_failure_webhook_error_status_is_raised(httpserver, monkeypatch) -> None:
    """A webhook that answers 500 makes the sensor tick fail (visible in the UI), not silent."""
    httpserver.expect_request("/hook", method="POST").respond_with_data("down", status=500)
    monkeypatch.setenv("ASCN_FAILURE_WEBHOOK_URL", httpserver.url_for("/hook"))
    context, _, instance = _failure_context()
    with instance, pytest.raises(Exception, match="500"):
        failure_webhook(context)


def test_failure_webhook_does_nothing_without_url(httpserver, monkeypatch) -> None:
    monkeypatch.delenv("ASCN_FAILURE_WEBHOOK_URL", raising=False)
    context, _, instance = _failure_context()
    with instance:
        assert failure_webhook(context) is None
    assert httpserver.log == []


# --------------------------------------------------------------------------- 7. fault matrix


def test_fault_matrix_cites_only_existing_tests() -> None:
    """Every row of docs/FAULTS.md names at least one test, and every test it names exists."""
    defined = {
        (path.name, m)
        for path in (REPO / "tests").rglob("test_*.py")  # basenames are unique across tests/
        for m in re.findall(r"^def (test_\w+)", path.read_text(), re.M)
    }
    rows, cited = 0, set()
    for line in (REPO / "docs" / "FAULTS.md").read_text().splitlines():
        if not line.startswith("| ") or line.startswith(("| Fault", "|---")):
            continue
        rows += 1
        current = "test_reliability.py"  # bare names mean tests/test_reliability.py
        names = re.findall(r"`(?:(test_\w+\.py))?(?:::)?(test_\w+)`", line)
        assert names or "same test" in line, f"row names no test: {line[:80]}"
        for file, name in names:
            current = file or current
            cited.add((current, name))
    missing = cited - defined
    assert rows > 30 and not missing, missing
