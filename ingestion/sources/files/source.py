"""The `files` dlt source: CSV and Parquet exports described by a declarative mapping file.

One resource per mapped canonical entity (`deals`, `reps`, `accounts`, …), each yielding Arrow
tables with canonical column names and types plus the file and row each record came from.

An export is one dataset's (a mapping's `dataset`); a warehouse holds one dataset, and a load of
another is refused. A full export of a keyed entity is a snapshot: the table then holds what it
says, and the records it no longer holds are kept, marked deleted (snapshot.py); only the rows
that changed since the table's last load are written (unchanged.py). An incremental export
merges on the primary key and deletes nothing.

Nothing is dropped silently: a value that does not parse, a missing required value or a
repeated key sends its row to the `quarantine` table with the reason, and every file of every
load is counted in `load_accounting` (rows read = rows loaded + rows quarantined). Both tables
are written by each entity resource, so loading any subset of entities still accounts for it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Generator, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import dlt
import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dlt.common.normalizers.naming.snake_case import NamingConvention
from dlt.sources import DltResource

from ingestion import PROJECT_ROOT
from ingestion.memory import release_freed_memory
from ingestion.sources.files.errors import DatasetMismatchError, FilesSourceError, MappingError
from ingestion.sources.files.keys import KeySet, key_array, key_text
from ingestion.sources.files.mapping import (
    EXPORT_KINDS,
    EntityMapping,
    FieldMapping,
    Mapping,
    load_mapping,
)
from ingestion.sources.files.parsing import (
    CONSTANT_TEXT,
    as_text,
    constant_array,
    constant_dictionary,
    parse_field,
    row_numbers,
)
from ingestion.sources.files.prefetch import prefetched
from ingestion.sources.files.readers import (
    ExportFile,
    check_columns,
    file_columns,
    find_files,
    read_batches,
)
from ingestion.sources.files.settings import (
    ARROW_TYPES,
    CONTENT_HASH_COLUMN,
    CURRENCY_OF,
    DELETED_AT_COLUMN,
    ENTITIES,
    LINEAGE_COLUMNS,
    LOAD_ACCOUNTING_SCHEMA,
    LOAD_ACCOUNTING_TABLE,
    LOAD_ID_COLUMN,
    QUARANTINE_SCHEMA,
    QUARANTINE_TABLE,
    SOURCE_FILE_COLUMN,
    SOURCE_ROW_COLUMN,
)
from ingestion.sources.files.snapshot import (
    RELEASE_AFTER_ROWS,
    WarehouseReader,
    carried_rows,
    deleted_records,
)
from ingestion.sources.files.unchanged import ContentStamp
from ingestion.sources.load_bookkeeping import current_load, side_table

# The source already quarantines repeated keys, so the staged rows are unique and the
# destination need not deduplicate them again.
MERGE_BY_KEY = {"disposition": "merge", "strategy": "delete-insert", "deduplicated": True}


@dlt.source(name="files")
def files_source(
    mapping_path: str = dlt.config.value,
    base_dir: str | None = None,
    export: str | None = None,
) -> Iterable[DltResource]:
    """Export files as canonical entities, as the mapping file at `mapping_path` describes them.

    `base_dir` overrides the mapping's own base directory (where its file patterns are looked
    up); `export` (`full` or `incremental`) overrides what the mapping says this drop of files
    is, for every keyed entity. All resolve through dlt's configuration:
    `sources.files.mapping_path` in `.dlt/config.toml` or `SOURCES__FILES__MAPPING_PATH` (and
    `…__BASE_DIR`, `…__EXPORT`).

    The mapping is validated here, before anything is read; the data files are opened when the
    resources are extracted.
    """
    mapping = load_mapping(resolve_mapping_path(mapping_path), base_dir=base_dir)
    if export is not None:
        if export not in EXPORT_KINDS:
            raise MappingError(
                str(mapping.path), "export", f"must be one of {', '.join(EXPORT_KINDS)}"
            )
        mapping = replace(
            mapping,
            entities={
                name: replace(entity, export=export) if entity.primary_key else entity
                for name, entity in mapping.entities.items()
            },
        )
    return [entity_resource(mapping, entity) for entity in mapping.entities.values()]


def resolve_mapping_path(mapping_path: str) -> Path:
    """A mapping path as given, or else relative to the project root (where `.dlt/` lives)."""
    path = Path(os.path.expandvars(mapping_path)).expanduser()
    if not path.is_absolute() and not path.exists() and (PROJECT_ROOT / path).exists():
        path = PROJECT_ROOT / path
    if not path.is_file():
        raise MappingError(str(mapping_path), "", "mapping file not found")
    return path


def entity_resource(mapping: Mapping, entity: EntityMapping) -> DltResource:
    """The resource of one canonical entity, named after it."""

    def rows() -> Iterator[Any]:
        claim_dataset(mapping)
        yield from extract_entity(mapping.base_dir, entity)

    write_disposition: Any = entity.write_disposition
    if entity.is_snapshot:
        # The export is the whole entity. Into a new table, written once, straight into the
        # table (dlt's replace, truncate-and-insert on DuckDB); into a table that holds it
        # already, only what changed is merged: the extraction sets which (extract_entity).
        write_disposition = "replace"
    elif write_disposition == "merge":
        write_disposition = MERGE_BY_KEY
    return dlt.resource(
        rows,
        name=entity.entity,
        write_disposition=write_disposition,
        primary_key=list(entity.primary_key) or None,
    )


def claim_dataset(mapping: Mapping) -> None:
    """Refuse to load a mapping's dataset into a warehouse that holds another one; record it
    (in dlt's source state, kept in the destination) when the warehouse holds none yet."""
    try:
        state = dlt.current.source_state()
        raw_dataset = dlt.current.pipeline().dataset_name
    except Exception:  # iterated outside a pipeline: there is no warehouse to protect
        return
    held = state.get("dataset")
    if held is not None and held["name"] != mapping.dataset:
        raise DatasetMismatchError(
            mapping.dataset, str(mapping.path), held["name"], held["mapping"], raw_dataset
        )
    state["dataset"] = {"name": mapping.dataset, "mapping": str(mapping.path)}


def extract_entity(base_dir: Path, entity: EntityMapping) -> Iterator[Any]:
    """Arrow tables of loaded rows, plus quarantine and load-accounting tables, for one entity;
    for a full export of a keyed entity, then the warehouse's rows that the export no longer
    loads (soft-deleted, or kept where the export's row was quarantined)."""
    load_id, loaded_at = current_load()
    files = find_files(base_dir, entity)
    columns_by_file = {}
    for export in files:  # every file is checked before any row is yielded
        columns = file_columns(export, entity)
        check_columns(export, entity, columns)
        columns_by_file[export] = columns

    # One in-memory DuckDB per entity hashes its keys and rows (closed with the entity).
    hasher = duckdb.connect(":memory:")
    keys = _KeyTracker(entity, hasher) if entity.primary_key else None
    stamp = None
    warehouse = WarehouseReader()
    try:
        stamp = _content_stamp(entity, warehouse, hasher) if entity.primary_key else None
        if keys is not None and stamp is not None and entity.is_snapshot:
            # A full export holds about the records the table holds: size the key set for them.
            keys.loaded.expect(stamp.previous_record_count())
        # A full export into a table that holds its records: only the changes are written.
        merged = entity.is_snapshot and stamp is not None and stamp.holds_previous_versions()
        # Empty tables first: the entity and quarantine tables exist after every load, even
        # when nothing loaded into them, so dbt sources and checks can rely on them.
        empty = _empty_table(_entity_schema(entity, []))
        if entity.is_snapshot:
            disposition = MERGE_BY_KEY if merged else "replace"
            empty = dlt.mark.with_hints(empty, dlt.mark.make_hints(write_disposition=disposition))
        yield empty
        yield side_table(QUARANTINE_SCHEMA.empty_table(), QUARANTINE_TABLE)
        schema = yield from _extract_files(
            files, columns_by_file, entity, keys, stamp, load_id, loaded_at
        )
        if entity.is_snapshot and keys is not None:
            deletions = deleted_records if merged else carried_rows
            yield from deletions(
                warehouse,
                entity.entity,
                schema,
                entity.primary_key,
                keys.loaded,
                keys.quarantined,
                loaded_at,
                every_live_loaded=stamp is not None and stamp.export_holds_every_previous_record(),
            )
    finally:
        warehouse.close()
        if keys is not None:
            keys.close()
        if stamp is not None:
            stamp.close()
        hasher.close()
        del keys, stamp  # their arrays are freed before the trim, not with the generator
        release_freed_memory()


def _content_stamp(
    entity: EntityMapping, warehouse: WarehouseReader, hasher: duckdb.DuckDBPyConnection
) -> ContentStamp:
    """Fingerprints for the rows of a keyed entity; for a full export, with the table's live
    records read back first (key and fingerprint: a narrow read), so that the export's
    unchanged rows are left out and keep the load that last changed them (unchanged.py)."""
    stamp = ContentStamp(entity.primary_key, hasher)
    if entity.is_snapshot:
        key_types = {name: ARROW_TYPES[_field_type(entity, name)] for name in entity.primary_key}
        columns = [*entity.primary_key, CONTENT_HASH_COLUMN]
        stamp.read_previous(warehouse.rows(entity.entity, columns, deleted=False), key_types)
        if len(stamp.previous.key_hashes) >= RELEASE_AFTER_ROWS:
            # The read's batches and DuckDB's cache of the table (the reader released its
            # connection) are freed: give them back before the export's parse grows the key
            # set (about 200 MB at the large demo size).
            release_freed_memory()
    return stamp


def _extract_files(
    files: list[ExportFile],
    columns_by_file: dict[ExportFile, list[str]],
    entity: EntityMapping,
    keys: _KeyTracker | None,
    stamp: ContentStamp | None,
    load_id: str | None,
    loaded_at: dt.datetime,
) -> Iterator[Any]:
    """Yields the files' rows, parsed a batch ahead in a thread; returns the schema of the rows
    loaded (of the last file)."""
    schema = _entity_schema(entity, [])
    parsed = _parsed_files(files, columns_by_file, entity, keys, stamp, load_id, loaded_at)
    for item in prefetched(parsed):
        if isinstance(item, pa.Table):
            schema = item.schema
            if not item.num_rows:
                continue
        yield item
    return schema


def _parsed_files(
    files: list[ExportFile],
    columns_by_file: dict[ExportFile, list[str]],
    entity: EntityMapping,
    keys: _KeyTracker | None,
    stamp: ContentStamp | None,
    load_id: str | None,
    loaded_at: dt.datetime,
) -> Iterator[Any]:
    """Each batch's loaded rows (an Arrow table, empty or not) and quarantine, then each file's
    load accounting. Pure Arrow work: runs in the prefetch thread."""
    for export in files:
        passthrough = _passthrough_columns(export, entity, columns_by_file[export])
        read = list(entity.columns) + passthrough
        rows_read = rows_loaded = rows_quarantined = rows_unchanged = 0
        with closing(_read_ahead(export, entity, read)) as batches:
            for batch in batches:
                first_row = rows_read + 1
                result = _process_batch(
                    batch, first_row, export, entity, passthrough, keys, stamp, load_id, loaded_at
                )
                rows_read += batch.num_rows
                rows_loaded += result.loaded.num_rows + result.rows_unchanged
                rows_quarantined += result.rows_quarantined
                rows_unchanged += result.rows_unchanged
                yield result.loaded
                if result.quarantine.num_rows:
                    yield side_table(result.quarantine, QUARANTINE_TABLE)
        accounting = {
            "entity": [entity.entity],
            "file": [export.name],
            "rows_read": [rows_read],
            "rows_loaded": [rows_loaded],
            "rows_quarantined": [rows_quarantined],
            "rows_unchanged": [rows_unchanged],
            "load_id": [load_id],
            "loaded_at": [loaded_at],
        }
        yield side_table(pa.table(accounting, schema=LOAD_ACCOUNTING_SCHEMA), LOAD_ACCOUNTING_TABLE)


def _read_ahead(
    export: ExportFile, entity: EntityMapping, columns: list[str]
) -> Generator[pa.RecordBatch, None, None]:
    """The file's batches, decoded one ahead in a thread of their own: reading CSV is about a
    third of an entity's work, and overlaps parsing the batch before (closed with the caller)."""
    return prefetched(read_batches(export, entity, columns), depth=1, name="files-source-read")


@dataclass(frozen=True, slots=True)
class _BatchResult:
    loaded: pa.Table
    quarantine: pa.Table
    rows_quarantined: int
    # Rows the export loads that the warehouse already held unchanged: not in `loaded`, not
    # written again (the table keeps its row and the load id that last changed it).
    rows_unchanged: int


@dataclass(slots=True)
class _Problem:
    """Rows of a batch that failed one check (`mask`), with the field and export column."""

    field: str
    column: str
    raw: pa.Array | None
    mask: pa.Array
    # One reason for all, or one per row (NULL where the row did not fail).
    reason: str | pa.Array

    def __post_init__(self) -> None:
        self.mask = pc.fill_null(self.mask, False)


def _process_batch(
    batch: pa.RecordBatch,
    first_row: int,
    export: ExportFile,
    entity: EntityMapping,
    passthrough: list[str],
    keys: _KeyTracker | None,
    stamp: ContentStamp | None,
    load_id: str | None,
    loaded_at: dt.datetime,
) -> _BatchResult:
    length = batch.num_rows
    rows = row_numbers(first_row, length)
    values: dict[str, pa.Array] = {}
    failed: dict[str, pa.Array] = {}
    problems: list[_Problem] = []
    for spec in entity.outputs:
        raw = _raw_values(batch, spec, length)
        parsed = parse_field(raw, spec)
        values[spec.name] = parsed.values
        own = [_Problem(spec.name, spec.source, raw, m, r) for m, r in parsed.problems]
        failed[spec.name] = _any(own, length)
        if spec.required:
            missing = pc.and_(pc.is_null(parsed.values), pc.invert(failed[spec.name]))
            reason = f"required field {spec.name} has no value"
            own.append(_Problem(spec.name, spec.source, raw, missing, reason))
        problems.extend(own)
    problems.extend(_money_without_currency(entity, batch, values, failed))

    bad = _any(problems, length)
    # The key hashes of the rows loaded, from the duplicate check (the stamp needs them too).
    key_hashes = key_order = None
    if keys is not None:
        repeated, key_hashes, key_order = keys.duplicates(values, pc.invert(bad), export.name, rows)
        problems.extend(repeated)
        if entity.is_snapshot:
            # A record whose row is quarantined is still in the export: not deleted.
            key_failed = _any([p for p in problems if p.field in entity.primary_key], length)
            keys.note_quarantined(values, pc.and_(bad, pc.invert(key_failed)))
        bad = _any(problems, length)

    columns: dict[str, pa.Array] = {}
    for name in ENTITIES[entity.entity].fields:
        columns[name] = values.get(name, pa.nulls(length, ARROW_TYPES[_field_type(entity, name)]))
    for spec in entity.extras:
        columns[spec.name] = values[spec.name]
    for name in passthrough:
        columns[name] = batch.column(name)
    columns[SOURCE_FILE_COLUMN] = constant_dictionary(export.name, length)
    columns[SOURCE_ROW_COLUMN] = rows
    columns[LOAD_ID_COLUMN] = constant_dictionary(load_id, length)
    if entity.primary_key:
        columns[DELETED_AT_COLUMN] = pa.nulls(length, ARROW_TYPES["timestamp"])
        columns[CONTENT_HASH_COLUMN] = pa.nulls(length, pa.int64())  # set by the stamp
    schema = _entity_schema(entity, [(name, batch.column(name).type) for name in passthrough])
    if pc.any(bad).as_py():
        keep = pc.invert(bad)
        loaded_columns = [pc.filter(columns[name], keep) for name in schema.names]
    else:  # the common batch: every row loads
        loaded_columns = [columns[name] for name in schema.names]
    loaded = pa.Table.from_arrays(loaded_columns, schema=schema)
    quarantined = length - loaded.num_rows
    unchanged = 0
    if stamp is not None:
        loaded, unchanged = stamp.stamp(loaded, load_id, key_hashes, key_order)
    quarantine = _quarantine_table(problems, entity, export, rows, load_id, loaded_at)
    return _BatchResult(loaded, quarantine, quarantined, unchanged)


def _raw_values(batch: pa.RecordBatch, spec: FieldMapping, length: int) -> pa.Array:
    if spec.column is None:
        return constant_array(spec.constant or "", length)
    return batch.column(spec.column)


def _field_type(entity: EntityMapping, name: str) -> str:
    return ENTITIES[entity.entity].fields[name].type


def _any(problems: list[_Problem], length: int) -> pa.Array:
    bad = pa.array(np.zeros(length, dtype=bool))
    for problem in problems:
        bad = pc.or_(bad, problem.mask)
    return bad


def _money_without_currency(
    entity: EntityMapping,
    batch: pa.RecordBatch,
    values: dict[str, pa.Array],
    failed: dict[str, pa.Array],
) -> list[_Problem]:
    """An amount whose currency is empty cannot be converted: quarantined, never summed."""
    problems = []
    for (owner, money), currency in CURRENCY_OF.items():
        if owner != entity.entity or money not in values:
            continue
        spec = next(s for s in entity.fields if s.name == currency)
        mask = pc.and_(pc.is_valid(values[money]), pc.is_null(values[currency]))
        mask = pc.and_(mask, pc.invert(failed[currency]))  # a bad code is reported once
        raw = _raw_values(batch, spec, len(mask))
        reason = f"{money} has a value but {currency} is empty"
        problems.append(_Problem(currency, spec.source, raw, mask, reason))
    return problems


def _quarantine_table(
    problems: list[_Problem],
    entity: EntityMapping,
    export: ExportFile,
    rows: pa.Array,
    load_id: str | None,
    loaded_at: dt.datetime,
) -> pa.Table:
    pieces = []
    for problem in problems:
        count = pc.sum(problem.mask.cast(pa.int64())).as_py() or 0
        if not count:
            continue
        raw = pc.filter(problem.raw, problem.mask) if problem.raw is not None else None
        value = pa.nulls(count, pa.string()) if raw is None else as_text(raw)
        if isinstance(problem.reason, str):
            reason = constant_array(problem.reason, count)
        else:
            reason = pc.filter(problem.reason, problem.mask)
        pieces.append(
            pa.table(
                {
                    "entity": constant_array(entity.entity, count),
                    "file": constant_array(export.name, count),
                    "row_number": pc.filter(rows, problem.mask),
                    "column": constant_array(problem.column, count),
                    "field": constant_array(problem.field, count),
                    "value": value,
                    "reason": reason,
                    "load_id": pa.nulls(count, pa.string())
                    if load_id is None
                    else constant_array(load_id, count),
                    "loaded_at": pa.repeat(
                        pa.scalar(loaded_at, QUARANTINE_SCHEMA.field("loaded_at").type), count
                    ),
                },
                schema=QUARANTINE_SCHEMA,
            )
        )
    if not pieces:
        return QUARANTINE_SCHEMA.empty_table()
    return pa.concat_tables(pieces).sort_by([("row_number", "ascending")])


class _KeyTracker:
    """Primary keys this load has seen, across the batches and files of an entity.

    A key seen again is quarantined, naming the file and row that loaded it first: within one
    load, two rows with one key are a contradiction that merge would otherwise settle silently.
    For a full export it also keeps the keys of rows quarantined for a bad value: those records
    are still in the export, so they are not deleted.
    """

    def __init__(self, entity: EntityMapping, hasher: duckdb.DuckDBPyConnection) -> None:
        self.fields = entity.primary_key
        self.columns = {spec.name: spec.source for spec in entity.fields}
        self.loaded = KeySet(hasher)
        self.quarantined = KeySet(hasher)
        # Where each loaded key came from, in the order of the loaded key store: the file of
        # each batch (and the store position its keys start at), and the row of each key.
        self._files: list[str] = []
        self._file_starts: list[int] = []
        self._rows: list[np.ndarray] = []

    def close(self) -> None:
        self.loaded.close()
        self.quarantined.close()

    def key(self, values: dict[str, pa.Array]) -> pa.Array:
        return key_array([values[name] for name in self.fields])

    def duplicates(
        self, values: dict[str, pa.Array], candidates: pa.Array, file: str, rows: pa.Array
    ) -> tuple[list[_Problem], np.ndarray, np.ndarray]:
        """Quarantine entries for candidate rows that repeat a key; the others are loaded. Also
        the key hashes of the rows loaded, in their order, and the argsort of those hashes."""
        key = self.key(values)
        index = np.flatnonzero(candidates.to_numpy(zero_copy_only=False))
        if len(index) == 0:
            return [], np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.intp)
        candidate_keys = pc.take(key, pa.array(index))
        hashes = self.loaded.hash(candidate_keys)
        repeated = self.loaded.contains(candidate_keys, hashes)
        # One sort of the batch's key hashes serves the check within the batch, the key set's
        # new run and the stamp's search of the previous versions (three sorts before, about 6 s
        # of the parse thread over the large demo's 32M rows).
        order = np.argsort(hashes)
        ordered = hashes[order]
        if np.any(ordered[1:] == ordered[:-1]):  # maybe a key twice in this batch: exactly
            repeated |= self._repeated_within(candidate_keys)
        any_repeated = bool(repeated.any())
        if any_repeated:  # the rare batch: the loaded rows' hashes sorted on their own
            new = np.flatnonzero(~repeated)
            candidate_keys, hashes = pc.take(candidate_keys, pa.array(new)), hashes[new]
            order = np.argsort(hashes)
        else:
            new = np.arange(len(index))
        self.loaded.add(candidate_keys, hashes, order)
        self._files.append(file)
        self._file_starts.append(len(self.loaded) - len(new))
        self._rows.append(rows.to_numpy()[index[new]].astype(np.int32))
        problems = [self._describe(values, key, index[repeated])] if any_repeated else []
        return problems, hashes, order

    def note_quarantined(self, values: dict[str, pa.Array], mask: pa.Array) -> None:
        """Remember the keys of rows quarantined for a bad value (their keys are valid)."""
        index = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
        if len(index) == 0:
            return
        keys = pc.unique(pc.take(self.key(values), pa.array(index)))
        fresh = ~(self.loaded.contains(keys) | self.quarantined.contains(keys))
        self.quarantined.add(pc.filter(keys, pa.array(fresh)))

    @staticmethod
    def _repeated_within(keys: pa.Array) -> np.ndarray:
        """Which keys repeat one earlier in the same array."""
        positions = pa.array(np.arange(len(keys), dtype=np.int64))
        firsts = (
            pa.table({"key": keys, "position": positions})
            .group_by("key", use_threads=False)
            .aggregate([("position", "min")])
            .column("position_min")
        )
        return ~pc.is_in(positions, value_set=firsts).to_numpy(zero_copy_only=False)

    def _describe(
        self, values: dict[str, pa.Array], key: pa.Array, duplicate_index: np.ndarray
    ) -> _Problem:
        """The quarantine entry of repeated keys, naming where each was first loaded (the
        batch's own first rows were registered before this is called)."""
        duplicate_keys = pc.take(key, pa.array(duplicate_index))
        first = pa.array(self.loaded.positions(duplicate_keys))
        described = ", ".join(self.fields)
        reasons = pc.binary_join_element_wise(
            f"duplicate primary key ({described}): first loaded from ",
            pa.array(self._files, pa.string()).take(
                pa.array(np.searchsorted(self._file_starts, first.to_numpy(), side="right") - 1)
            ),
            " row ",
            pa.array(np.concatenate(self._rows)[first.to_numpy()]).cast(pa.string()),
            "",
        )
        mask = np.zeros(len(key), dtype=bool)
        mask[duplicate_index] = True
        mask_array = pa.array(mask)
        full_reasons = pc.replace_with_mask(pa.nulls(len(key), pa.string()), mask_array, reasons)
        shown = key_text([values[name] for name in self.fields])
        column = ", ".join(self.columns[name] for name in self.fields)
        return _Problem(described, column, shown, mask_array, full_reasons)


def _entity_schema(entity: EntityMapping, passthrough: list[tuple[str, pa.DataType]]) -> pa.Schema:
    """Canonical fields (catalog order), extras, passed-through columns, lineage columns.
    Key fields are non-nullable, as dlt marks primary keys."""
    key = set(entity.primary_key)
    fields = [
        pa.field(name, ARROW_TYPES[_field_type(entity, name)], nullable=name not in key)
        for name in ENTITIES[entity.entity].fields
    ]
    fields += [pa.field(spec.name, ARROW_TYPES[spec.type]) for spec in entity.extras]
    fields += [pa.field(name, type_) for name, type_ in passthrough]
    fields += [
        pa.field(SOURCE_FILE_COLUMN, CONSTANT_TEXT, nullable=False),
        pa.field(SOURCE_ROW_COLUMN, pa.int64(), nullable=False),
        pa.field(LOAD_ID_COLUMN, CONSTANT_TEXT),
    ]
    if entity.primary_key:
        fields.append(pa.field(DELETED_AT_COLUMN, ARROW_TYPES["timestamp"]))
        fields.append(pa.field(CONTENT_HASH_COLUMN, pa.int64()))
    return pa.schema(fields)


def _passthrough_columns(
    export: ExportFile, entity: EntityMapping, columns: list[str]
) -> list[str]:
    """With keep_unmapped_columns: the file's columns the mapping does not read, checked not
    to collide (once dlt normalises their names) with the columns the source writes."""
    if not entity.keep_unmapped_columns:
        return []
    naming = NamingConvention()
    taken = {
        naming.normalize_identifier(name): name
        for name in [*ENTITIES[entity.entity].fields, *(s.name for s in entity.extras)]
    }
    taken.update({naming.normalize_identifier(name): name for name in LINEAGE_COLUMNS})
    mapped = set(entity.columns)
    passthrough = []
    for column in columns:
        if column in mapped:
            continue
        normalised = naming.normalize_identifier(column)
        if normalised in taken:
            raise FilesSourceError(
                f"{export.name}: unmapped column {column!r} would land as {normalised!r}, "
                f"which {entity.entity} already has (from {taken[normalised]!r}); "
                "map it under extra with another name"
            )
        taken[normalised] = column
        passthrough.append(column)
    return passthrough


def _empty_table(schema: pa.Schema) -> pa.Table:
    return schema.empty_table()
