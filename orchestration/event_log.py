"""Dagster's SQLite event log for the `salespulse` command's own process: the same files, one
open connection per shard instead of a new SQLAlchemy engine and connection for every event.

A nightly run stores about 2,000 events (a planned and an evaluated event per asset check, an
output per asset), each in its run's shard and most of them again in the index shard. Dagster's
`SqliteEventLogStorage` builds an engine, opens a connection (and our no-fsync pragma runs on it),
compiles the insert afresh and closes it all again for each: about 4 ms of CPU an event, 8 s of
a demo run. Dagster has no setting for it (its SQLite storages are meant for local development;
production instances use PostgreSQL), so this subclass keeps one engine per shard for the life of
the storage. The files, schema and layout are Dagster's own: `dagster dev`, the daemon and
`salespulse status` read what this writes through the stock storage, which they keep using
(`dagster.yaml` is unchanged; only the command's instance is built with this class).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

MODULE = __name__
CLASS_NAME = "ShardConnectionEventLogStorage"


class ShardConnectionEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` with one engine, holding one connection, per shard."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: dict[str, Engine] = {}
        self._tables_found: set[str] = set()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> "ShardConnectionEventLogStorage":
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # The parent's lock makes every use of the storage one at a time, so one connection per
        # shard (StaticPool) is enough; another thread may use it after the one that opened it.
        with self._db_lock:
            engine = self._engines.get(shard)
            if engine is None:
                engine = create_engine(
                    self.conn_string_for_shard(shard),
                    poolclass=StaticPool,
                    connect_args={
                        "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                        "check_same_thread": False,
                    },
                )
                if shard not in self._initialized_dbs:
                    self._initdb(engine)
                    self._initialized_dbs.add(shard)
                self._engines[shard] = engine
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        # Asked before storing each asset check event (a new engine and connection each time in
        # the parent). A table, once there, stays: only its presence is remembered. The parent's
        # own way is kept for the asking, as it may be asked inside an open index transaction.
        if table_name not in self._tables_found and super().has_table(table_name):
            self._tables_found.add(table_name)
        return table_name in self._tables_found

    def close_connections(self) -> None:
        """Close every shard's connection (a wiped storage deletes the files they hold)."""
        with self._db_lock:
            engines, self._engines = self._engines, {}
        for engine in engines.values():
            engine.dispose()

    def wipe(self) -> None:
        self.close_connections()
        super().wipe()

    def dispose(self) -> None:
        self.close_connections()
        super().dispose()
