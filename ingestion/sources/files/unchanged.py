"""A full export's unchanged rows are not written again: they keep the load that last changed
them.

A full export holds every record, but from one day to the next most records do not change. If
each were written again with the new load's `_dlt_load_id`, dbt staging's `loaded_at` would say
that every record changed (the incremental models would rebuild everything after a daily
export), and the load would write the whole table every night. So every row of a keyed entity
carries a fingerprint of its content (`_content_hash`), and before a full export's rows are
yielded, the live records the table holds are read back narrowly (key and fingerprint). A row of
the export whose key the table holds with the same fingerprint is unchanged and left out: the
table keeps its row, with the load id, file and line of the load that last changed it. Only new
and changed rows are written, merged into the table by key (snapshot.py says how deletions
are). A table with no fingerprinted record (a first load, a refresh) is written whole.

What counts as content: every column the row is written with but the lineage columns
(`_source_file`, `_source_row_number`, `_dlt_load_id`, `_deleted_at`, `_content_hash`): the
canonical fields (the key included), the extras, the passed-through columns. Lineage says where
a row was read, not what it says: an unchanged record that moved to another file or line is
unchanged, and its row keeps the file and line it was last written from. A record that was
soft-deleted and comes back is changed (staging sees it live again), so only live records
(`_deleted_at` NULL) are read back.

The fingerprint: DuckDB's 64-bit `hash` of each column's value (a NULL has its own hash),
folded column after column through splitmix64's finaliser, a bijection, so rows that differ in
one column always differ in fingerprint when the two values' hashes differ, and otherwise two
different rows share one with probability 2^-64. It is compared per key, so a changed row is
taken for unchanged with that probability: at 22M rows a night, about once in 10^12 nights.
Hashes are computed here, in-process, never with destination SQL, so DuckDB and PostgreSQL
warehouses agree. Anything that changes every fingerprint (a column added to the mapping, a
DuckDB whose hash differs) makes every row changed once: the safe direction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.sources.files.keys import hash_function, hash_keys, key_array
from ingestion.sources.files.settings import CONTENT_HASH_COLUMN, LINEAGE_COLUMNS

_SEED = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)


def content_columns(schema: pa.Schema) -> list[str]:
    """The columns whose values are the row's content: all but lineage."""
    return [name for name in schema.names if name not in LINEAGE_COLUMNS]


class RowHasher:
    """64-bit hashes of keys and of row contents (DuckDB's `hash`, in an in-memory connection
    used as a hash function only)."""

    def __init__(self, shared_hasher: duckdb.DuckDBPyConnection | None = None) -> None:
        self._hasher = hash_function(shared_hasher)

    def close(self) -> None:
        self._hasher.close()

    def keys(self, keys: pa.Array) -> np.ndarray:
        return hash_keys(self._hasher, keys)

    def contents(self, rows: pa.Table) -> np.ndarray:
        """One fingerprint per row of its content columns, in the order of the schema."""
        columns = content_columns(rows.schema)
        fingerprints = np.full(rows.num_rows, _SEED, dtype=np.uint64)
        if rows.num_rows == 0 or not columns:
            return fingerprints
        # Dictionary-encoded text is hashed as its text, never as its dictionary positions.
        plain = pa.table({f"c{i}": _decoded(rows.column(name)) for i, name in enumerate(columns)})
        projection = ", ".join(f"hash(c{i}) as h{i}" for i in range(len(columns)))
        hashed = self._hasher.from_arrow(plain).project(projection).to_arrow_table()
        for column in hashed.columns:
            fingerprints = _mix(fingerprints ^ column.to_numpy())
        return fingerprints


def _decoded(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(column.type):
        return column.cast(column.type.value_type)
    return column


def _mix(words: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection of 64-bit words in which every input bit reaches
    every output bit (numpy's uint64 arithmetic wraps, as the algorithm wants)."""
    words = words ^ (words >> np.uint64(30))
    words = words * _MIX_1
    words = words ^ (words >> np.uint64(27))
    words = words * _MIX_2
    return words ^ (words >> np.uint64(31))


@dataclass(frozen=True)
class PreviousVersions:
    """The live records a table holds, sorted by key hash, with each one's content fingerprint;
    which of them a row of this load had the key hash of (`seen`, filled as rows are stamped);
    and how many live records were left out for having no fingerprint (written before
    fingerprints existed)."""

    key_hashes: np.ndarray
    content_hashes: np.ndarray
    seen: np.ndarray
    unfingerprinted: int = 0

    @classmethod
    def none(cls, unfingerprinted: int = 0) -> PreviousVersions:
        empty = np.empty(0, dtype=np.uint64)
        return cls(empty, empty, np.empty(0, dtype=bool), unfingerprinted)

    @classmethod
    def read(
        cls,
        batches: Iterable[pa.RecordBatch | pa.Table],
        key_types: dict[str, pa.DataType],
        hasher: RowHasher,
    ) -> PreviousVersions:
        """From batches of the table's key columns and `_content_hash`; only the compact arrays
        are kept, never the keys (about 17 bytes a record)."""
        key_hashes, content_hashes = [], []
        unfingerprinted = 0
        for batch in batches:
            # A row written before fingerprints existed has none: it can only be changed.
            rows = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
            read = rows.num_rows
            rows = rows.filter(pc.is_valid(rows.column(CONTENT_HASH_COLUMN)))
            unfingerprinted += read - rows.num_rows
            if rows.num_rows == 0:
                continue
            keys = key_array(
                [
                    rows.column(name).cast(type_).combine_chunks()
                    for name, type_ in key_types.items()
                ]
            )
            key_hashes.append(hasher.keys(keys))
            stored = rows.column(CONTENT_HASH_COLUMN).cast(pa.int64()).combine_chunks()
            content_hashes.append(stored.to_numpy())
        if not key_hashes:
            return cls.none(unfingerprinted)
        all_keys = np.concatenate(key_hashes)
        # Not a stable sort (half the time: 1.4 s instead of 2.9 s for 10M): records sharing a
        # key hash, in either order, only ever make a row changed or a key checked.
        order = np.argsort(all_keys)
        return cls(
            all_keys[order],
            np.concatenate(content_hashes).view(np.uint64)[order],
            np.zeros(len(all_keys), dtype=bool),
            unfingerprinted,
        )

    def every_one_seen(self) -> bool:
        """Whether the table held live records and the rows stamped had the key hash of every
        one of them (so the export holds every record, but for two keys sharing one 64-bit
        hash: about 5 in 10^13 for each missing record at 10M rows, as rare as the content
        collisions above). False when a record has no fingerprint, or none was read: a caller
        then checks the keys themselves."""
        return len(self.seen) > 0 and self.unfingerprinted == 0 and bool(self.seen.all())

    def unchanged(
        self, key_hashes: np.ndarray, fingerprints: np.ndarray, order: np.ndarray | None = None
    ) -> np.ndarray:
        """For each row (its key's hash, its fingerprint), whether the table holds the record
        with the same content. Two keys with one hash only ever make a row changed. Marks the
        records whose key hash a row has as `seen`. `order`: the argsort of `key_hashes`, when
        the caller has it."""
        if len(self.key_hashes) == 0 or len(key_hashes) == 0:
            return np.zeros(len(key_hashes), dtype=bool)
        # Sorted needles: numpy's binary search then only moves forward (five times faster).
        order = np.argsort(key_hashes) if order is None else order
        at = np.empty(len(key_hashes), dtype=np.int64)
        at[order] = np.searchsorted(self.key_hashes, key_hashes[order])
        at = np.minimum(at, len(self.key_hashes) - 1)
        same_key = self.key_hashes[at] == key_hashes
        self.seen[at[same_key]] = True
        return same_key & (self.content_hashes[at] == fingerprints)


class ContentStamp:
    """Sets each loaded row's `_content_hash`, and for a full export into a table that holds
    fingerprinted records, leaves out the rows the table already holds unchanged."""

    def __init__(
        self, key_fields: tuple[str, ...], shared_hasher: duckdb.DuckDBPyConnection | None = None
    ) -> None:
        self.key_fields = key_fields
        self.hasher = RowHasher(shared_hasher)
        self.previous = PreviousVersions.none()

    def close(self) -> None:
        self.hasher.close()

    def read_previous(
        self, batches: Iterable[pa.RecordBatch | pa.Table], key_types: dict[str, pa.DataType]
    ) -> None:
        """Remember the table's live records (a full export is about to replace them)."""
        self.previous = PreviousVersions.read(batches, key_types, self.hasher)

    def export_holds_every_previous_record(self) -> bool:
        """After every row of a full export was stamped: whether it held every live record
        (PreviousVersions.every_one_seen)."""
        return self.previous.every_one_seen()

    def previous_record_count(self) -> int:
        """How many live records the table held (read_previous), fingerprinted or not."""
        return len(self.previous.key_hashes) + self.previous.unfingerprinted

    def holds_previous_versions(self) -> bool:
        """Whether the table held fingerprinted live records (read_previous): the export's
        unchanged rows are then left out of the load."""
        return len(self.previous.key_hashes) > 0

    def stamp(
        self,
        rows: pa.Table,
        load_id: str | None,
        key_hashes: np.ndarray | None = None,
        key_order: np.ndarray | None = None,
    ) -> tuple[pa.Table, int]:
        """`rows` with their fingerprints, less the unchanged ones (the table holds them with
        the same content), and how many those were. `key_hashes`: the rows' key hashes when the
        caller has them (the duplicate check), and `key_order` their argsort."""
        fingerprints = self.hasher.contents(rows)
        hash_at = rows.schema.get_field_index(CONTENT_HASH_COLUMN)
        rows = rows.set_column(
            hash_at, rows.schema.field(hash_at), pa.array(fingerprints.view(np.int64))
        )
        if load_id is None or not self.holds_previous_versions():
            return rows, 0
        if key_hashes is not None and len(key_hashes) != rows.num_rows:
            raise ValueError(f"{len(key_hashes)} key hashes for {rows.num_rows} rows")
        if key_hashes is None:
            keys = key_array([rows.column(name).combine_chunks() for name in self.key_fields])
            key_hashes, key_order = self.hasher.keys(keys), None
        unchanged = self.previous.unchanged(key_hashes, fingerprints, key_order)
        if not unchanged.any():
            return rows, 0
        return rows.filter(pa.array(~unchanged)), int(unchanged.sum())
