"""The files source as a pipeline of threads: Arrow's CSV reader decodes the next batch while
the previous one is parsed, and that while dlt writes the one before. Batches stay in file
order (row numbers, the first row of a repeated key), an error in any stage stops the load
naming the file, and a stopped load leaves no reader behind."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from dlt.pipeline.exceptions import PipelineStepFailed
from files_helpers import DATASET, find_error, load, query, write_mapping

from ingestion.sources.files import FilesSourceError, readers, source

FIELDS = {"rep_id": "id", "name": "name", "start_date": {"column": "start", "format": "%Y-%m-%d"}}
ROWS = 40


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of a few rows, so that a small file is read in many."""
    monkeypatch.setattr(readers, "CSV_BLOCK_SIZE", 64)
    monkeypatch.setattr(readers, "CSV_BATCH_ROWS", 3)


def reps_export(folder: Path, lines: list[str] | None = None) -> Path:
    rows = lines or [f"R{i},Rep {i},2024-01-{1 + i % 28:02d}" for i in range(1, ROWS + 1)]
    (folder / "reps.csv").write_text("id,name,start\n" + "\n".join(rows) + "\n")
    return write_mapping(folder, {"reps": {"file": "reps.csv", "fields": FIELDS}})


def stage_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("files-source-")]


def test_csv_is_decoded_in_its_own_thread_and_batches_stay_in_file_order(
    warehouse_home: Path, tmp_path: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [f"R{i},Rep {i},2024-01-{1 + i % 28:02d}" for i in range(1, ROWS + 1)]
    lines[30] = "R7,Rep 7 again,2024-02-01"  # row 31 repeats row 7's key, batches later
    read_in, parsed_in = [], []
    read_batches, process_batch = source.read_batches, source._process_batch

    def reading(*args, **kwargs):
        for batch in read_batches(*args, **kwargs):
            read_in.append(threading.current_thread().name)
            yield batch

    def parsing(*args, **kwargs):
        parsed_in.append(threading.current_thread().name)
        return process_batch(*args, **kwargs)

    monkeypatch.setattr(source, "read_batches", reading)
    monkeypatch.setattr(source, "_process_batch", parsing)
    load(reps_export(tmp_path, lines))

    assert len(read_in) >= 10, "the file was read in many batches"
    assert set(read_in) == {"files-source-read"}
    assert set(parsed_in) == {"files-source-prefetch"}
    rows = query(f"select rep_id, _source_row_number from {DATASET}.reps order by 2")
    assert [row for _, row in rows] == [r for r in range(1, ROWS + 1) if r != 31]
    assert rows[6] == ("R7", 7)
    (reason,) = query(f"select reason from {DATASET}.quarantine where row_number = 31")[0]
    assert reason.endswith("first loaded from reps.csv row 7")
    assert query(f"select rows_read, rows_loaded, rows_quarantined from {DATASET}.load_accounting")[
        0
    ] == (ROWS, ROWS - 1, 1)


def test_a_malformed_line_late_in_the_file_stops_the_load_naming_it(
    warehouse_home: Path, tmp_path: Path, small_batches: None
) -> None:
    lines = [f"R{i},Rep {i},2024-01-01" for i in range(1, ROWS + 1)]
    lines[35] = "R36,Rep 36,2024-01-01,surplus"
    with pytest.raises(PipelineStepFailed) as failure:
        load(reps_export(tmp_path, lines))
    message = str(find_error(failure.value, FilesSourceError))
    assert "reps.csv" in message and "row 36" in message


def test_a_failure_while_parsing_stops_the_reader(
    warehouse_home: Path, tmp_path: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    process_batch, seen = source._process_batch, []

    def failing(*args, **kwargs):
        seen.append(1)
        if len(seen) == 2:
            raise RuntimeError("parser broke")
        return process_batch(*args, **kwargs)

    monkeypatch.setattr(source, "_process_batch", failing)
    with pytest.raises(PipelineStepFailed) as failure:
        load(reps_export(tmp_path))
    assert "parser broke" in str(find_error(failure.value, RuntimeError))
    deadline = time.monotonic() + 5
    while stage_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stage_threads() == []
