"""The DuckDB warehouse loads one dlt load job at a time: DuckDB parallelises each insert on its
own, and concurrent inserts into one database file contend (docs/files-source.md, "Speed")."""

import threading
import time

import dlt
import pyarrow as pa
from dlt.destinations.impl.duckdb.duck import DuckDbCopyJob

from ingestion.pipelines import build_pipeline


def test_the_warehouse_loads_its_tables_one_at_a_time(warehouse_home, monkeypatch) -> None:
    running, most_at_once = 0, 0
    lock = threading.Lock()
    copy = DuckDbCopyJob.run

    def counted_copy(job: DuckDbCopyJob) -> None:
        nonlocal running, most_at_once
        with lock:
            running += 1
            most_at_once = max(most_at_once, running)
        time.sleep(0.2)  # long enough for dlt's pool to start any other job beside this one
        try:
            copy(job)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(DuckDbCopyJob, "run", counted_copy)

    @dlt.source(name="several_tables")
    def several_tables():
        return [
            dlt.resource(pa.table({"id": list(range(n * 10))}), name=f"table_{n}")
            for n in range(1, 5)
        ]

    pipeline = build_pipeline("files")
    pipeline.run(several_tables(), loader_file_format="parquet").raise_on_failed_jobs()

    assert most_at_once == 1
    with pipeline.sql_client() as client:
        counts = [client.execute_sql(f"select count(*) from table_{n}")[0][0] for n in range(1, 5)]
    assert counts == [10, 20, 30, 40]
