"""Write-audit-publish, the publish half: copy the audited marts from the build warehouse into a
new serving file and rename it into place.

A run that rebuilt only some marts (the intraday job) carries the others over from the previous
serving file, and their Parquet copies from the previous folder (hard links): what the last full
publish audited stays published, never an unaudited version left in the build warehouse.

Readers only ever open the serving file, read-only. A rename is atomic, so a reader sees either
the previous file or the new one, whole; one that has the old file open keeps reading it. A
failed publish leaves the previous serving file untouched.
"""

import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

PUBLICATIONS_TABLE = "salespulse.publications"


class AuditFailed(RuntimeError):
    """A copy in the new serving file does not hold the rows of the table it copies: nothing was
    published."""


class ServingFileHeld(RuntimeError):
    """Another process has the serving file open for writing, so it cannot be read to carry the
    publication history over, and readers may be writing into it."""


def quoted(identifier: str) -> str:
    """A schema or table name as a quoted SQL identifier."""
    return '"' + identifier.replace('"', '""') + '"'


@dataclass(frozen=True)
class PublishedTable:
    schema: str
    name: str
    row_count: int
    # Copied from the previous serving file, not from this run's build.
    carried_over: bool = False

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.name}"


def publish_marts(
    build_path: Path,
    serving_path: Path,
    marts: list[tuple[str, str]],
    run_id: str,
    parquet_link: Path | None = None,
    semantic_manifest_json: str | None = None,
    carried_over: list[tuple[str, str]] = (),
    memory_limit: str | None = None,
) -> list[PublishedTable]:
    """Copy `marts` ([(schema, table)]) from `build_path` into a fresh `serving_path` and, when
    `parquet_link` is given, into a fresh Parquet folder that the link is switched to. With a
    semantic manifest, the semantic layer is published beside the marts (semantic/exports.py).

    `carried_over` marts are copied from the current serving file (and Parquet folder) instead,
    as they were last published; one it does not hold yet is copied from the build.

    `memory_limit` bounds DuckDB while it copies (SALESPULSE_DUCKDB_MEMORY_LIMIT): without it
    DuckDB takes up to 80 % of the machine, and copying the large demo's marts held 4.3 GB
    (1.1 GB under a 1 GB limit, in the same time)."""
    config = {"memory_limit": memory_limit} if memory_limit else {}
    if not marts and not carried_over:
        raise ValueError("nothing to publish: no marts given")
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    _check_no_writer_holds(serving_path)
    _remove_leftovers_of_interrupted_publishes(serving_path)
    staging_path = serving_path.with_name(f".{serving_path.name}.{uuid.uuid4().hex}.tmp")
    try:
        published = _write_serving_file(
            build_path,
            serving_path,
            staging_path,
            marts,
            run_id,
            semantic_manifest_json,
            carried_over=carried_over,
            config=config,
        )
        _fsync(staging_path)
        parquet_folder = (
            _export_parquet(staging_path, parquet_link, published, config) if parquet_link else None
        )
        os.replace(staging_path, serving_path)
        if parquet_folder is not None:
            _switch_link(parquet_link, parquet_folder)
    finally:
        for leftover in (staging_path, staging_path.with_name(staging_path.name + ".wal")):
            leftover.unlink(missing_ok=True)
    return published


def _check_no_writer_holds(serving_path: Path) -> None:
    """Fail early, and say how to fix it, when a reader opened the serving file read-write."""
    if serving_path.exists():
        with duckdb.connect() as con:
            _attach_read_only(con, serving_path, "previous")
            con.execute("detach previous")


def _attach_read_only(con: duckdb.DuckDBPyConnection, path: Path, alias: str) -> None:
    try:
        con.execute(f"attach ? as {alias} (read_only)", [str(path)])
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        holder = str(error).split("Conflicting lock is held in", 1)[-1].split(". See")[0]
        raise ServingFileHeld(
            f"{path} is open read-write by another process ({holder.strip()}), so it cannot be "
            "replaced safely. Readers must open it read-only: "
            f"duckdb.connect({str(path)!r}, read_only=True), or access_mode=READ_ONLY / "
            "duckdb.read_only=true in ODBC/JDBC. Close that connection and run the refresh again"
        ) from None


def _remove_leftovers_of_interrupted_publishes(serving_path: Path) -> None:
    """Publishes run one at a time (the build_warehouse pool), so any staging file still here
    belongs to a publish that was killed; it was never renamed into place."""
    for leftover in serving_path.parent.glob(f".{serving_path.name}.*.tmp*"):
        leftover.unlink(missing_ok=True)


def _export_parquet(
    serving_file: Path, link: Path, published: list[PublishedTable], config: dict[str, str]
) -> Path:
    """Each mart as `<folder>/<schema>/<table>.parquet`, in a new folder beside the link; a
    carried-over mart's file is a hard link to the previous folder's (the same bytes: files in a
    published folder are never written again)."""
    folder = link.with_name(f"{link.name}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}")
    previous = link.resolve() if link.is_symlink() else None
    with duckdb.connect(str(serving_file), read_only=True, config=config) as con:
        for table in published:
            target = folder / table.schema / f"{table.name}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            if table.carried_over and previous is not None and _link_previous(previous, target):
                continue
            # The target is a parameter: the warehouse path may hold any character.
            con.execute(
                f"copy (select * from {quoted(table.schema)}.{quoted(table.name)}) "
                "to ? (format parquet)",
                [str(target)],
            )
    return folder


def _link_previous(previous_folder: Path, target: Path) -> bool:
    """Hard-link the previous folder's copy of the same table to `target`, if it has one."""
    source = previous_folder / target.parent.name / target.name
    if not source.is_file():
        return False
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copyfile(source, target)
    return True


def _switch_link(link: Path, folder: Path) -> None:
    """Point `link` at `folder` atomically (a symlink renamed over the old one); readers that
    resolved the old link keep their folder. Folders older than the previous one are removed."""
    previous = link.resolve() if link.is_symlink() else None
    if link.exists() and not link.is_symlink():
        raise RuntimeError(f"{link} is a real folder, not the link publish maintains; move it away")
    new_link = link.with_name(f".{link.name}.{uuid.uuid4().hex}.link")
    new_link.symlink_to(folder.name)
    os.replace(new_link, link)
    for old in link.parent.glob(f"{link.name}-*"):
        if old.resolve() not in (folder.resolve(), previous):
            shutil.rmtree(old, ignore_errors=True)


def _write_serving_file(
    build_path: Path,
    serving_path: Path,
    staging_path: Path,
    marts: list[tuple[str, str]],
    run_id: str,
    semantic_manifest_json: str | None = None,
    carried_over: list[tuple[str, str]] = (),
    config: dict[str, str] | None = None,
) -> list[PublishedTable]:
    published_at = datetime.now(UTC)
    with duckdb.connect(str(staging_path), config=config or {}) as con:
        con.execute("attach ? as build (read_only)", [str(build_path)])
        published = [_copy(con, "build", schema, name) for schema, name in marts]
        if carried_over:
            published += _carry_over(con, serving_path, carried_over)
        con.execute("detach build")
        if semantic_manifest_json is not None:
            published += _publish_semantic_layer(con, staging_path, semantic_manifest_json)
        _write_publication_log(con, serving_path, published, published_at, run_id)
        con.execute("checkpoint")
    return published


def _carry_over(
    con: duckdb.DuckDBPyConnection, serving_path: Path, carried_over: list[tuple[str, str]]
) -> list[PublishedTable]:
    """The marts as the current serving file holds them; one it lacks (a first publish, a new
    mart) comes from the build warehouse."""
    if not serving_path.exists():
        return [_copy(con, "build", schema, name) for schema, name in carried_over]
    _attach_read_only(con, serving_path, "previous")
    previous = _tables_of(con, "previous")
    copies = [
        _copy(con, "previous" if (schema, name) in previous else "build", schema, name)
        for schema, name in carried_over
    ]
    con.execute("detach previous")
    return copies


def _tables_of(con: duckdb.DuckDBPyConnection, database: str) -> set[tuple[str, str]]:
    return set(
        con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = ?",
            [database],
        ).fetchall()
    )


def _copy(con: duckdb.DuckDBPyConnection, source: str, schema: str, name: str) -> PublishedTable:
    """Copy one table from the attached `source` database into the new file, and audit the copy:
    it holds as many rows as its source."""
    relation = f"{quoted(schema)}.{quoted(name)}"
    con.execute(f"create schema if not exists {quoted(schema)}")
    con.execute(f"create table {relation} as select * from {source}.{relation}")
    copied, original = con.execute(
        f"select (select count(*) from {relation}), (select count(*) from {source}.{relation})"
    ).fetchone()
    if copied != original:
        raise AuditFailed(
            f"{schema}.{name} holds {copied} rows, {source}.{schema}.{name} {original}"
        )
    return PublishedTable(schema, name, copied, carried_over=source == "previous")


def _publish_semantic_layer(
    con: duckdb.DuckDBPyConnection, staging_path: Path, manifest_json: str
) -> list[PublishedTable]:
    """The semantic manifest, and each saved query's export as a table (reports.*)."""
    # MetricFlow takes seconds to import: only a publish pays for it, not every code load.
    from semantic.exports import publish_semantic_layer

    published = []
    for export in publish_semantic_layer(con, staging_path, manifest_json):
        (row_count,) = con.execute(
            f'select count(*) from "{export.schema}"."{export.table}"'
        ).fetchone()
        published.append(PublishedTable(export.schema, export.table, row_count))
    return published


def _write_publication_log(
    con: duckdb.DuckDBPyConnection,
    serving_path: Path,
    published: list[PublishedTable],
    published_at: datetime,
    run_id: str,
) -> None:
    """`salespulse.publications`: what each publish wrote and when, so BI can show "data as of";
    `carried_over` marks a table this publish copied from the previous serving file unchanged."""
    con.execute("create schema if not exists salespulse")
    con.execute(
        f"""
        create table {PUBLICATIONS_TABLE} (
            published_at timestamp with time zone not null,
            run_id varchar not null,
            table_schema varchar not null,
            table_name varchar not null,
            row_count bigint not null,
            carried_over boolean not null default false
        )
        """
    )
    if serving_path.exists():  # keep the history of earlier publications
        _attach_read_only(con, serving_path, "previous")
        if ("salespulse", "publications") in _tables_of(con, "previous"):
            # By name: a log written before `carried_over` existed lacks that column.
            con.execute(
                f"insert into {PUBLICATIONS_TABLE} by name "
                f"select * from previous.{PUBLICATIONS_TABLE}"
            )
        con.execute("detach previous")
    con.executemany(
        f"insert into {PUBLICATIONS_TABLE} values (?, ?, ?, ?, ?, ?)",
        [(published_at, run_id, t.schema, t.name, t.row_count, t.carried_over) for t in published],
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
