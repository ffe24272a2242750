"""Write-audit-publish, the publish half: copy the audited marts from the build warehouse into a
new serving file and rename it into place.

Readers only ever open the serving file, read-only. A rename is atomic, so a reader sees either
the previous file or the new one, whole; one that has the old file open keeps reading it. A
failed publish leaves the previous serving file untouched.
"""

import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

PUBLICATIONS_TABLE = "salespulse.publications"


@dataclass(frozen=True)
class PublishedTable:
    schema: str
    name: str
    row_count: int

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.name}"


def publish_marts(
    build_path: Path, serving_path: Path, marts: list[tuple[str, str]], run_id: str
) -> list[PublishedTable]:
    """Copy `marts` ([(schema, table)]) from `build_path` into a fresh `serving_path`."""
    if not marts:
        raise ValueError("nothing to publish: no marts given")
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    staging_path = serving_path.with_name(f".{serving_path.name}.{uuid.uuid4().hex}.tmp")
    try:
        published = _write_serving_file(build_path, serving_path, staging_path, marts, run_id)
        _fsync(staging_path)
        os.replace(staging_path, serving_path)
    finally:
        for leftover in (staging_path, staging_path.with_name(staging_path.name + ".wal")):
            leftover.unlink(missing_ok=True)
    return published


def _write_serving_file(
    build_path: Path,
    serving_path: Path,
    staging_path: Path,
    marts: list[tuple[str, str]],
    run_id: str,
) -> list[PublishedTable]:
    published_at = datetime.now(UTC)
    with duckdb.connect(str(staging_path)) as con:
        con.execute("attach ? as build (read_only)", [str(build_path)])
        published = []
        for schema, name in marts:
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(
                f'create table "{schema}"."{name}" as select * from build."{schema}"."{name}"'
            )
            (row_count,) = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()
            published.append(PublishedTable(schema, name, row_count))
        con.execute("detach build")
        _write_publication_log(con, serving_path, published, published_at, run_id)
        con.execute("checkpoint")
    return published


def _write_publication_log(
    con: duckdb.DuckDBPyConnection,
    serving_path: Path,
    published: list[PublishedTable],
    published_at: datetime,
    run_id: str,
) -> None:
    """`salespulse.publications`: what each publish wrote and when, so BI can show "data as of"."""
    con.execute("create schema if not exists salespulse")
    con.execute(
        f"""
        create table {PUBLICATIONS_TABLE} (
            published_at timestamp with time zone not null,
            run_id varchar not null,
            table_schema varchar not null,
            table_name varchar not null,
            row_count bigint not null
        )
        """
    )
    if serving_path.exists():  # keep the history of earlier publications
        con.execute("attach ? as previous (read_only)", [str(serving_path)])
        has_log = con.execute(
            "select count(*) from duckdb_tables() "
            "where database_name = 'previous' and schema_name = 'salespulse' "
            "and table_name = 'publications'"
        ).fetchone()[0]
        if has_log:
            con.execute(
                f"insert into {PUBLICATIONS_TABLE} select * from previous.{PUBLICATIONS_TABLE}"
            )
        con.execute("detach previous")
    con.executemany(
        f"insert into {PUBLICATIONS_TABLE} values (?, ?, ?, ?, ?)",
        [(published_at, run_id, t.schema, t.name, t.row_count) for t in published],
    )
    con.execute(
        """
        create view salespulse.data_as_of as
        select max(published_at) as published_at, arg_max(run_id, published_at) as run_id
        from salespulse.publications
        """
    )


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
