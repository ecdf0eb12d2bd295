"""Dagster resources: where the warehouse lives and where the sources come from.

Both read their settings from the environment when a run starts (`Settings.from_env`), and any
field set explicitly (tests, run config) wins. Nothing is read at import time.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import Field, PrivateAttr

from pipelines.framework.build_file import (
    carry_over,
    clean_leftovers,
    is_damage,
    mark_damaged,
    set_aside_damaged_build,
)
from pipelines.framework.http import HttpClient, http_client
from pipelines.settings import PATH_FIELDS, Settings
from warehouse.db import run_sql_file


class WarehouseBusyError(RuntimeError):
    """Another run holds the warehouse build lock."""


def recover_unreadable_build(build: Path, log: logging.Logger | dg.DagsterLogManager) -> bool:
    """Set aside a build file DuckDB cannot open or a step found damaged; True if set aside.

    Everything in the build file is re-derived from the sources (and the carried-over tables
    from the published file), so the run starts from an empty file (`framework/build_file.py`).
    A file held open by another program is left alone (the normal connect waits for it).
    """
    return set_aside_damaged_build(build, log) is not None


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB build file of this run (one writer) and the published copy for analysts."""

    output_dir: str | None = Field(
        None, description="run outputs (build and published files); default: ASCN_OUTPUT_DIR"
    )
    _lock_fd: int | None = PrivateAttr(default=None)
    # The run's one connection to the build file, opened once: every step gets a cursor on it
    # instead of re-opening the file (~20 ms each, and the catalogue reloaded every time).
    _run_connection: ExitStack | None = PrivateAttr(default=None)
    _con: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)

    @property
    def settings(self) -> Settings:
        base = Settings.from_env()
        if self.output_dir:
            base = replace(base, output_dir=Path(self.output_dir).resolve())
        return base

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # One run at a time may write the build file. The daemon's run queue already ensures it;
        # this lock also refuses a second run started by hand (CLI, tests, make run).
        build = self.settings.build_db
        build.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(build.parent / "run.lock", os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(fd)
            raise WarehouseBusyError(
                f"another run is writing {build}; wait for it to finish (runs never overlap)"
            ) from exc
        self._lock_fd = fd
        published = self.settings.published_db
        clean_leftovers(build, published, context.log)
        recover_unreadable_build(build, context.log)
        self._run_connection = ExitStack()
        self._con = self._run_connection.enter_context(self._open())
        run_sql_file(self._con, "schema.sql")
        carry_over(self._con, published, context.log)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._run_connection is not None:
            self._run_connection.close()
            self._run_connection, self._con = None, None
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Read-write connection to the build file (never the published file). A step that
        finds the build file damaged fails saying the next run repairs it (and notes it so)."""
        try:
            if self._con is None:  # outside a run (tests, scripts)
                with self._open() as con:
                    yield con
                return
            cursor = self._con.cursor()
            try:
                yield cursor
            finally:
                cursor.close()
        except duckdb.Error as exc:
            if not is_damage(exc):
                raise
            settings = self.settings
            message = mark_damaged(settings.build_db, exc, settings.published_db)
            raise dg.Failure(description=message, allow_retries=False) from exc

    def _open(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        settings = self.settings
        settings.build_db.parent.mkdir(parents=True, exist_ok=True)
        resource = DuckDBResource(
            database=str(settings.build_db), connection_config=settings.duckdb_config
        )
        return resource.get_connection()


class SourcesResource(dg.ConfigurableResource):
    """Offline (bundled snapshots) or live (real APIs) sources, with configurable base URLs.

    Every field is optional and overrides the setting of the same name in `Settings` (which reads
    the environment); unset fields keep the environment's value.
    """

    # Shown (with these descriptions) on the UI's resources page and overridable per run in the
    # launchpad; a field left empty keeps the environment's value (README "Configuration").
    mode: str | None = Field(None, description="offline | live; default: ASCN_MODE, else offline")
    data_dir: str | None = Field(None, description="bundled data folder; default: ASCN_DATA_DIR")
    inbox_dir: str | None = Field(
        None, description="project register inbox; default: ASCN_INBOX_DIR, else <data>/inbox"
    )
    worldbank_api_url: str | None = Field(None, description="default: ASCN_WORLDBANK_API_URL")
    worldbank_projects_api_url: str | None = Field(
        None, description="default: ASCN_WORLDBANK_PROJECTS_API_URL"
    )
    iati_api_url: str | None = Field(None, description="default: ASCN_IATI_API_URL")
    overpass_url: str | None = Field(None, description="default: ASCN_OVERPASS_URL")
    osm_pbf: str | None = Field(None, description="local OSM extract; default: ASCN_OSM_PBF")

    @property
    def settings(self) -> Settings:
        s = Settings.from_env()
        overrides: dict[str, object] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is None:
                continue
            overrides[name] = Path(value).resolve() if name in PATH_FIELDS else value
        if "data_dir" in overrides and "inbox_dir" not in overrides:
            overrides["inbox_dir"] = Path(str(overrides["data_dir"])) / "inbox"
        return replace(s, **overrides)

    def http(self, source: str) -> HttpClient:
        s = self.settings
        return http_client(s, source)  # timeout, retries, contact, kept answers
