"""Finding an entity's export files and reading them as Arrow record batches of raw columns.

CSV columns are read as text (nothing is inferred), so that the canonical parsers decide what
is valid and quarantine the rest; Parquet columns keep their types.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ingestion.sources.files.errors import (
    FilesSourceError,
    MissingColumnError,
    NoMatchingFileError,
)
from ingestion.sources.files.mapping import EntityMapping
from ingestion.sources.files.settings import CSV_BATCH_ROWS, CSV_BLOCK_SIZE, PARQUET_BATCH_ROWS


@dataclass(frozen=True)
class ExportFile:
    path: Path
    # How the file is named in the warehouse: relative to the base directory, with `/`.
    name: str


def find_files(base_dir: Path, entity: EntityMapping) -> list[ExportFile]:
    """The files matching the entity's pattern, in name order; an error when there are none."""
    if not base_dir.is_dir():
        raise NoMatchingFileError(
            f"base directory {base_dir} of the mapping does not exist "
            f"(needed for {entity.entity}: {entity.file})"
        )
    paths = sorted(path for path in base_dir.glob(entity.file) if path.is_file())
    if not paths:
        raise NoMatchingFileError(
            f"no file matches {entity.file!r} in {base_dir} (mapped to {entity.entity})"
        )
    return [ExportFile(path, path.relative_to(base_dir).as_posix()) for path in paths]


def file_columns(export: ExportFile, entity: EntityMapping) -> list[str]:
    """The column names of an export file, as the mapping refers to them."""
    try:
        if entity.format == "parquet":
            return list(pq.ParquetFile(export.path).schema_arrow.names)
        with pacsv.open_csv(
            export.path,
            read_options=_csv_read_options(entity, block_size=1 << 20),
            parse_options=_csv_parse_options(entity),
            convert_options=pacsv.ConvertOptions(column_types={}, strings_can_be_null=True),
        ) as reader:
            return list(reader.schema.names)
    except (pa.ArrowException, OSError, UnicodeError) as error:
        raise _unreadable(export, entity, error) from None


def check_columns(export: ExportFile, entity: EntityMapping, columns: list[str]) -> None:
    """Every column the mapping reads must be in the file: an error names the first missing."""
    present = set(columns)
    for spec in entity.outputs:
        if spec.column is not None and spec.column not in present:
            raise MissingColumnError(export.name, spec.column, entity.entity, spec.name, columns)


def read_batches(
    export: ExportFile, entity: EntityMapping, columns: list[str]
) -> Iterator[pa.RecordBatch]:
    """The file's rows in order, as batches holding `columns` only."""
    try:
        if entity.format == "parquet":
            parquet = pq.ParquetFile(export.path)
            yield from parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns)
            return
        convert = pacsv.ConvertOptions(
            column_types=dict.fromkeys(columns, pa.string()),
            include_columns=columns,
            null_values=list(entity.csv.null_values),
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        )
        with pacsv.open_csv(
            export.path,
            read_options=_csv_read_options(entity, block_size=CSV_BLOCK_SIZE),
            parse_options=_csv_parse_options(entity),
            convert_options=convert,
        ) as reader:
            yield from _coalesced(reader, CSV_BATCH_ROWS)
    except (pa.ArrowException, OSError, UnicodeError) as error:
        raise _unreadable(export, entity, error) from None


def _coalesced(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """Consecutive batches joined into batches of at least `rows` rows (the last may be
    smaller): the reader's blocks are small to bound its read-ahead, and every batch has a fixed
    cost downstream."""
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        pending.append(batch)
        count += batch.num_rows
        if count >= rows:
            yield _joined(pending)
            pending, count = [], 0
    if pending:
        yield _joined(pending)


def _joined(batches: list[pa.RecordBatch]) -> pa.RecordBatch:
    if len(batches) == 1:
        return batches[0]
    return pa.Table.from_batches(batches).combine_chunks().to_batches()[0]


def _csv_read_options(entity: EntityMapping, block_size: int) -> pacsv.ReadOptions:
    csv = entity.csv
    return pacsv.ReadOptions(
        use_threads=True,
        block_size=block_size,
        skip_rows=csv.skip_rows,
        column_names=list(csv.column_names) if csv.column_names else None,
        encoding=csv.encoding,
    )


def _csv_parse_options(entity: EntityMapping) -> pacsv.ParseOptions:
    csv = entity.csv
    return pacsv.ParseOptions(
        delimiter=csv.delimiter,
        quote_char=csv.quote_char if csv.quote_char is not None else False,
        newlines_in_values=csv.newlines_in_values,
    )


def _unreadable(export: ExportFile, entity: EntityMapping, error: Exception) -> FilesSourceError:
    where, hint = "", ""
    if entity.format == "csv":
        bad_row = _first_malformed_row(export, entity)
        if bad_row is not None:
            row, line, expected, found = bad_row
            where = f" row {row} (line {line}) has {found} values where the header has {expected};"
        hint = (
            f" (read with delimiter {entity.csv.delimiter!r}, encoding {entity.csv.encoding!r}; "
            "a quoted value spanning lines needs csv.newlines_in_values: true)"
        )
    return FilesSourceError(
        f"{export.name}: cannot read as {entity.format} for {entity.entity}:{where} {error}{hint}"
    )


def _first_malformed_row(
    export: ExportFile, entity: EntityMapping
) -> tuple[int, int, int, int] | None:
    """Where a CSV breaks (Arrow does not say): (row, line, expected, found) of the first record
    whose number of values differs from the header's. Only run after a read failed."""
    options = entity.csv
    try:
        with export.path.open(encoding=options.encoding, newline="") as handle:
            for _ in range(options.skip_rows):
                handle.readline()
            reader = csv.reader(
                handle,
                delimiter=options.delimiter,
                quotechar=options.quote_char or '"',
                quoting=csv.QUOTE_MINIMAL if options.quote_char else csv.QUOTE_NONE,
            )
            expected = len(options.column_names) if options.column_names else None
            row = 0
            for record in reader:
                if expected is None:
                    expected = len(record)
                    continue
                row += 1
                if record and len(record) != expected:
                    return row, reader.line_num + options.skip_rows, expected, len(record)
    except (OSError, UnicodeError, csv.Error):
        return None
    return None
