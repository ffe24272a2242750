"""Where the warehouse files live: one absolute path for dlt, dbt and Dagster alike, from the
deployment's settings (`salespulse.settings`, which reads `SALESPULSE_HOME`).

A relative path resolves differently under dbt (project folder), Dagster and pytest, so every
consumer derives its paths from here, and the settings export `SALESPULSE_HOME` as an absolute
path before dbt runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from salespulse.settings import BUILD_FILE, SERVING_FILE, PostgresConnection, current_settings

__all__ = [
    "BUILD_FILE",
    "SERVING_FILE",
    "build_loader_duckdb_config",
    "build_warehouse_connection",
    "build_warehouse_path",
    "dlt_pipelines_dir",
    "parquet_path",
    "published_warehouse",
    "salespulse_home",
    "serving_warehouse_path",
]

# On PostgreSQL, BI reads the published marts from `serving_<schema>` schemas beside the ones dbt
# builds (orchestration/defs/publish/postgres.py); on DuckDB the serving file has the dbt names.
SERVING_SCHEMA_PREFIX = "serving_"


def salespulse_home() -> Path:
    """The warehouse home (`SALESPULSE_HOME`, absolute; default `warehouse/` in the project)."""
    return current_settings().home


def build_warehouse_path() -> Path:
    """The DuckDB file that ingestion and dbt write; only the pipeline opens it."""
    return current_settings().build_path


def serving_warehouse_path() -> Path:
    """The DuckDB file that readers open read-only; replaced only by publish."""
    return current_settings().serving_path


def dlt_pipelines_dir() -> Path:
    """dlt's local pipeline state, kept beside the warehouse instead of the home directory."""
    return current_settings().dlt_pipelines_dir


def parquet_path() -> Path:
    """The published marts as Parquet: a link that publish switches to each new folder."""
    return current_settings().parquet_path


@contextmanager
def build_warehouse_connection(read_only: bool = True) -> Iterator[Any]:
    """A connection to the build warehouse, closed after the block: DuckDB's own (read-only by
    default), or PostgreSQL's behind the same `execute(sql, params).fetchone()/fetchall()/df()`
    with DuckDB's parameter styles (`?`, `$name`), so that checks and readers run on both.

    DuckDB is held to SALESPULSE_DUCKDB_MEMORY_LIMIT, as dlt's and dbt's connections are (its
    default is 80 % of the machine). Set after connecting rather than as connect's config: a
    database this process already has open accepts a new connection only with the same config."""
    settings = current_settings()
    if settings.warehouse == "postgres":
        with closing(PostgresSession(settings.postgres())) as session:
            yield session
        return
    import duckdb

    with duckdb.connect(str(build_warehouse_path()), read_only=read_only) as con:
        # The value is validated by the settings (a number and a unit).
        con.execute(f"set memory_limit = '{settings.duckdb_memory_limit}'")
        yield con


_NAMED_PARAMETER = re.compile(r"\$([A-Za-z_]\w*)")


class PostgresSession:
    """A psycopg2 connection that answers like a DuckDB one: `execute` returns itself, with
    fetchone, fetchall and df. Each statement commits (autocommit): readers hold no locks."""

    def __init__(self, database: PostgresConnection) -> None:
        import psycopg2  # only a PostgreSQL deployment needs the driver

        self._connection = psycopg2.connect(**database.psycopg_kwargs())
        self._connection.autocommit = True
        self._cursor = self._connection.cursor()

    def execute(
        self, sql: str, parameters: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> PostgresSession:
        if parameters is not None:
            sql = sql.replace("%", "%%")
            if isinstance(parameters, Mapping):
                sql = _NAMED_PARAMETER.sub(r"%(\1)s", sql)
            else:
                sql = sql.replace("?", "%s")
        self._cursor.execute(sql, parameters)
        return self

    def fetchone(self) -> tuple | None:
        return self._cursor.fetchone()

    def fetchall(self) -> list[tuple]:
        return self._cursor.fetchall()

    def df(self):
        import pandas as pd

        columns = [column.name for column in self._cursor.description]
        return pd.DataFrame.from_records(self._cursor.fetchall(), columns=columns)

    def close(self) -> None:
        self._connection.close()


class PublishedWarehouse:
    """A read-only connection to what BI reads, the published marts, that names them as this
    warehouse publishes them: `relation("sales", "company_performance")` is
    `"sales"."company_performance"` in the serving DuckDB file and
    `"serving_sales"."company_performance"` on PostgreSQL. `execute` takes DuckDB's parameter
    styles on both (see build_warehouse_connection)."""

    def __init__(self, connection: Any, schema_prefix: str, where: str) -> None:
        self.connection = connection
        self.schema_prefix = schema_prefix
        self.where = where  # for messages: the serving file, or the server and database

    def relation(self, schema: str, table: str) -> str:
        return f"{_quoted(self.schema_prefix + schema)}.{_quoted(table)}"

    def execute(self, sql: str, parameters: Sequence[Any] | Mapping[str, Any] | None = None):
        if parameters is None:
            return self.connection.execute(sql)
        return self.connection.execute(sql, parameters)


@contextmanager
def published_warehouse(serving_path: Path | None = None) -> Iterator[PublishedWarehouse | None]:
    """The published marts, read-only, closed after the block; None while nothing is published
    (no serving file, or no serving schema on PostgreSQL). On DuckDB `serving_path` (default:
    the settings') is the file to open."""
    settings = current_settings()
    if settings.warehouse == "postgres" and serving_path is None:
        database = settings.postgres()
        with closing(PostgresSession(database)) as session:
            # Every publish writes its history into serving_salespulse: none, nothing published.
            (published,) = session.execute(
                "select count(*) from pg_namespace where nspname = ?",
                [SERVING_SCHEMA_PREFIX + "salespulse"],
            ).fetchone()
            serving = PublishedWarehouse(session, SERVING_SCHEMA_PREFIX, database.where)
            yield serving if published else None
        return
    import duckdb

    path = serving_path or settings.serving_path
    if not path.exists():
        yield None
        return
    with duckdb.connect(str(path), read_only=True) as con:
        yield PublishedWarehouse(con, "", str(path))


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def build_loader_duckdb_config() -> dict[str, str | bool]:
    """DuckDB settings of dlt's connections to the build warehouse while it loads. Raw tables
    have no order (every reader sorts), and keeping the file's order costs DuckDB twice the CPU
    and three times the memory on a bulk insert; the memory limit (SALESPULSE_DUCKDB_MEMORY_LIMIT,
    dbt's too) keeps a load of millions of rows within the machine's budget (DuckDB spills to
    disk beyond it)."""
    return {
        "preserve_insertion_order": False,
        "memory_limit": current_settings().duckdb_memory_limit,
    }
