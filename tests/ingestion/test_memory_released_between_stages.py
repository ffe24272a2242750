"""Every pipeline gives extraction's freed memory back before dlt's normalize and load stages
(ingestion/memory.py): at the large demo size the HubSpot load entered its load stage with
extraction's freed memory still resident, and the loader's DuckDB added its own limit on top."""

import dlt
import pytest

import ingestion.memory
from ingestion.memory import MemoryReleasingLogCollector
from ingestion.pipelines import build_pipeline


def test_freed_memory_is_released_after_extraction_and_before_the_load(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    monkeypatch.setattr(ingestion.memory, "release_freed_memory", lambda: events.append("release"))

    @dlt.resource(name="rows")
    def rows():
        events.append("extract")
        yield [{"id": n} for n in range(3)]

    pipeline = dlt.pipeline(
        pipeline_name="released",
        pipelines_dir=str(tmp_path / "pipelines"),
        destination=dlt.destinations.duckdb(str(tmp_path / "warehouse.duckdb")),
        progress=MemoryReleasingLogCollector(),
    )
    pipeline.extract(rows())
    assert events == ["extract"]
    pipeline.normalize()
    assert events == ["extract", "release"]
    pipeline.load()
    assert events == ["extract", "release", "release"]
    with pipeline.sql_client() as client:
        assert client.execute_sql("select count(*) from rows")[0][0] == 3


def test_the_warehouse_pipelines_release_freed_memory(warehouse_home) -> None:
    assert isinstance(build_pipeline("files").collector, MemoryReleasingLogCollector)
