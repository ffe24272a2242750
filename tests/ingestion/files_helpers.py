"""Helpers shared by the files-source tests: write a mapping, load it, query the warehouse.

Not a conftest: tests/ingestion has no package or conftest of its own (a package here would
shadow `ingestion`), so the test modules import these helpers by name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import yaml
from dlt.common.pipeline import LoadInfo

from ingestion.pipelines import build_pipeline
from ingestion.sources.files import files_source
from ingestion.warehouse import build_warehouse_path

DATASET = "raw_files"


def write_mapping(directory: Path, entities: dict[str, Any], **top: Any) -> Path:
    """A mapping file in `directory` whose base_dir is that same directory."""
    path = directory / "mapping.yml"
    document = {"version": 1, "base_dir": ".", **top, "entities": entities}
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def load(mapping_path: Path | str, base_dir: str | None = None) -> LoadInfo:
    """Load the mapping's entities the way `run_source("files")` does."""
    pipeline = build_pipeline("files")
    source = files_source(mapping_path=str(mapping_path), base_dir=base_dir)
    info = pipeline.run(source, loader_file_format="parquet")
    info.raise_on_failed_jobs()
    return info


def query(sql: str, *params: Any) -> list[tuple]:
    """Rows of a query against the build warehouse, on a connection closed right after."""
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as connection:
        return connection.execute(sql, list(params)).fetchall()


def scalar(sql: str, *params: Any) -> Any:
    return query(sql, *params)[0][0]


def table_exists(table: str) -> bool:
    return bool(
        scalar(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            DATASET,
            table,
        )
    )


def quarantine(entity: str | None = None) -> list[dict[str, Any]]:
    sql = f"select * from {DATASET}.quarantine"
    params: list[Any] = []
    if entity is not None:
        sql += " where entity = ?"
        params.append(entity)
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as connection:
        cursor = connection.execute(sql + " order by file, row_number, field", params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def error_chain(error: BaseException) -> list[BaseException]:
    """The exception and every cause behind it (dlt wraps what a resource raises)."""
    chain = []
    while error is not None and error not in chain:
        chain.append(error)
        error = error.__cause__ or error.__context__
    return chain


def find_error(error: BaseException, kind: type[BaseException]) -> BaseException:
    for item in error_chain(error):
        if isinstance(item, kind):
            return item
    raise AssertionError(f"no {kind.__name__} behind {error!r}")
