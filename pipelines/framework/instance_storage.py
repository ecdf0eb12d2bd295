"""Dagster's SQLite instance storage with warm connections (`dagster_home/dagster.yaml`).

The same files, tables and history as Dagster's default SQLite storage (runs stay in the UI's
history, `make dev` reads them), but its event log does not open a new SQLite engine for every
event. The default opens, writes, commits and closes one per event (twice for an asset or check
event: the run's file and the cross-run index), and closing the last connection of a WAL
database checkpoints it with fsyncs: about 10-20 ms per event, ~300 events per nightly run. Here
each database file keeps one engine with one pooled connection (the few most recent files),
and commits use `synchronous=NORMAL`, which in WAL mode is still safe against a crashed process
(a power cut can lose the last commits, never corrupt the file).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as db
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage
from dagster._core.storage.sqlite_storage import (
    DagsterSqliteStorage,
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

#: engines kept open at once: the index and the running run's file, plus a few the UI reads
WARM_ENGINES = 4


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class WarmSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` whose connections stay open between events."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        # Before the parent's __init__: it already connects to create the index database.
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        super().__init__(base_dir, inst_data=inst_data)

    def _engine(self, shard: str) -> Engine:
        with self._engines_lock:
            engine = self._engines.get(shard)
            if engine is not None:
                self._engines.move_to_end(shard)
                return engine
            engine = db.create_engine(
                self.conn_string_for_shard(shard),
                poolclass=QueuePool,
                pool_size=1,
                max_overflow=2,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            db.event.listen(engine, "connect", _pragmas)
            self._engines[shard] = engine
            while len(self._engines) > WARM_ENGINES:
                _, oldest = self._engines.popitem(last=False)
                oldest.dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn

    def dispose(self) -> None:
        with self._engines_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
        super().dispose()


class WarmSqliteStorage(DagsterSqliteStorage):
    """`DagsterSqliteStorage` (same `base_dir` layout) with the warm event log above."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self.base_dir = base_dir
        self._run_storage = SqliteRunStorage.from_local(_runs_directory(base_dir))
        self._event_log_storage = WarmSqliteEventLogStorage(_event_logs_directory(base_dir))
        self._schedule_storage = SqliteScheduleStorage.from_local(_schedule_directory(base_dir))
        self._inst_data = inst_data
        super(DagsterSqliteStorage, self).__init__()

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData, config_value: dict[str, str]
    ) -> WarmSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)
