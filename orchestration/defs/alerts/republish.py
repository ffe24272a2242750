"""Put the fresh alert table into the published serving file without touching its marts: a copy
of the serving file gets the table and is renamed over it (readers see the old file or the new
one, whole), and its Parquet copy is renamed into the published Parquet folder."""

import os
import shutil
import uuid
from pathlib import Path

import duckdb

from alerts.store import ALERTS_RELATION, ALERTS_SCHEMA, ALERTS_TABLE


def republish_alerts(
    build_path: Path,
    serving_path: Path,
    parquet_link: Path | None,
    memory_limit: str | None = None,
) -> int:
    """Copy alerts.alerts from the build warehouse into serving; returns its row count. DuckDB
    holds at most `memory_limit` (SALESPULSE_DUCKDB_MEMORY_LIMIT) meanwhile."""
    # Named like publish's staging files, so a killed republish is cleaned up by the next publish.
    staging = serving_path.with_name(f".{serving_path.name}.{uuid.uuid4().hex}.tmp")
    try:
        shutil.copyfile(serving_path, staging)
        config = {"memory_limit": memory_limit} if memory_limit else {}
        with duckdb.connect(str(staging), config=config) as con:
            con.execute("attach ? as build (read_only)", [str(build_path)])
            con.execute(f"create schema if not exists {ALERTS_SCHEMA}")
            con.execute(
                f"create or replace table {ALERTS_RELATION} as select * from build.{ALERTS_RELATION}"
            )
            con.execute("detach build")
            (rows,) = con.execute(f"select count(*) from {ALERTS_RELATION}").fetchone()
            if parquet_link is not None and parquet_link.is_symlink():
                _replace_parquet(con, parquet_link.resolve())
            con.execute("checkpoint")
        with open(staging, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(staging, serving_path)
    finally:
        for leftover in (staging, staging.with_name(staging.name + ".wal")):
            leftover.unlink(missing_ok=True)
    return rows


def _replace_parquet(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    target = folder / ALERTS_SCHEMA / f"{ALERTS_TABLE}.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    con.execute(f"copy (select * from {ALERTS_RELATION}) to '{partial}' (format parquet)")
    os.replace(partial, target)
