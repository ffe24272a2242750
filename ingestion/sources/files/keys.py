"""The primary keys one load of an entity has seen: which rows repeat a key (quarantined), and,
for a full export, which of the warehouse's records the export no longer holds.

A key is one value per row that identifies the record (`key_array`): the key field's text, or
the key fields' values joined into bytes, text as its UTF-8 and a date, timestamp or integer as
its count (days, microseconds) in fixed-width binary, never formatted: Arrow formats a zoned
timestamp as text about fifty times slower, the 16 digits of a count take twice the bytes
(the large demo's 9M composite keys of deal property history held 408 MB as text), and a key
is only compared, never shown (`key_text` is the readable form, for the quarantine). The parts'
types are fixed per entity and only text has variable width, so two different keys never join
into the same bytes (text never holds the separator, a control character).

Keys are remembered as a sorted array of 64-bit hashes (DuckDB's `hash`, in an in-memory
database used only as a hash function, one per entity) beside the position of each key in
the store of keys seen, so a membership test costs a binary search and a comparison of the keys
found, never a hash table of every key rebuilt per batch. Every answer is exact: a hash match is
confirmed by comparing the keys themselves.
"""

from __future__ import annotations

from itertools import pairwise

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.sources.files.parsing import as_text

KEY_SEPARATOR = "\x1f"
# Key store positions are 32-bit up to here (4 bytes a key fewer, 36 MB at the large demo's 9M
# keys of deal property history), 64-bit beyond.
NARROW_POSITIONS_UP_TO = np.iinfo(np.int32).max


def key_array(parts: list[pa.Array]) -> pa.Array:
    """One key per row from the key fields' values, for comparing keys only: a single text
    field's values as they are, otherwise the parts joined as bytes (dates, timestamps and
    integers as their count in fixed-width binary)."""
    if len(parts) == 1 and pa.types.is_string(parts[0].type):
        return parts[0]
    return pc.binary_join_element_wise(*[_key_part(part) for part in parts], KEY_SEPARATOR.encode())


def key_text(parts: list[pa.Array]) -> pa.Array:
    """The keys as people read them: each value as text, joined with ", "."""
    joined = pc.binary_join_element_wise(*[as_text(part) for part in parts], KEY_SEPARATOR)
    return pc.replace_substring(joined, KEY_SEPARATOR, ", ")


def _key_part(values: pa.Array) -> pa.Array:
    """A key field's values as bytes: a count's own bytes (its width fixed by the field's type:
    one unit, one zone), otherwise its text."""
    if pa.types.is_timestamp(values.type) or pa.types.is_date(values.type):
        count = pa.int64() if pa.types.is_timestamp(values.type) else pa.int32()
        return _fixed_width(values.cast(count))
    if pa.types.is_integer(values.type):
        return _fixed_width(values.cast(pa.int64()))
    return as_text(values).cast(pa.binary())


def _fixed_width(counts: pa.Array) -> pa.Array:
    """Integers as binary values of their width: the same buffers read as fixed-size binary."""
    width = counts.type.bit_width // 8
    validity, data = counts.buffers()
    fixed = pa.Array.from_buffers(
        pa.binary(width), len(counts), [validity, data], counts.null_count, counts.offset
    )
    return fixed.cast(pa.binary())


def hash_function(shared: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection used as a hash function only: a cursor of `shared` (an in-memory
    database opened once for an entity: opening one costs about 30 ms, a cursor nothing, and
    closing it frees the memory it kept), or else an in-memory database of its own."""
    return shared.cursor() if shared is not None else duckdb.connect(":memory:")


def hash_keys(hasher: duckdb.DuckDBPyConnection, keys: pa.Array) -> np.ndarray:
    """DuckDB's 64-bit `hash` of each key, with `hasher` (`hash_function()`)."""
    if len(keys) == 0:
        return np.empty(0, dtype=np.uint64)
    hashed = hasher.from_arrow(pa.table({"key": keys})).project("hash(key) as h")
    return hashed.to_arrow_table().column("h").to_numpy()


class KeySet:
    """Text keys, added batch by batch, with exact membership tests.

    The hashes are kept in a few sorted runs (a log-structured merge: a new batch is a run, and
    two runs of similar size are merged), so adding n keys in b batches costs O(n log b) rather
    than a copy of everything per batch, and a lookup is a forward-only binary search per run.
    """

    def __init__(self, shared_hasher: duckdb.DuckDBPyConnection | None = None) -> None:
        self._hasher = hash_function(shared_hasher)
        # Sorted hashes, and the position of each one's key in the store (self._keys).
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []
        self._positions: type[np.signedinteger] = np.int32
        self._keys: list[pa.Array] = []
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def close(self) -> None:
        self._hasher.close()

    def hash(self, keys: pa.Array) -> np.ndarray:
        return hash_keys(self._hasher, keys)

    def add(self, keys: pa.Array, hashes: np.ndarray | None = None) -> None:
        """Remember `keys` (distinct, and none of them already here)."""
        if len(keys) == 0:
            return
        hashes = self.hash(keys) if hashes is None else hashes
        order = np.argsort(hashes, kind="stable")
        if self._size + len(keys) > NARROW_POSITIONS_UP_TO and self._positions is np.int32:
            self._positions = np.int64  # every run's positions widen
            self._runs = [(run, positions.astype(np.int64)) for run, positions in self._runs]
        self._runs.append((hashes[order], (self._size + order).astype(self._positions)))
        self._keys.append(keys)
        self._size += len(keys)
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(self._runs[-1][0]):
            newer, older = self._runs.pop(), self._runs.pop()
            at = np.searchsorted(older[0], newer[0])
            self._runs.append(
                (np.insert(older[0], at, newer[0]), np.insert(older[1], at, newer[1]))
            )

    def contains(self, keys: pa.Array, hashes: np.ndarray | None = None) -> np.ndarray:
        """Which of `keys` are here (a boolean per key)."""
        return self.positions(keys, hashes) >= 0

    def positions(self, keys: pa.Array, hashes: np.ndarray | None = None) -> np.ndarray:
        """The store position of each key, -1 for keys not here. A hash match is confirmed by
        comparing the keys themselves."""
        found = np.full(len(keys), -1, dtype=np.int64)
        if len(keys) == 0 or self._size == 0:
            return found
        hashes = self.hash(keys) if hashes is None else hashes
        order = np.argsort(hashes)
        needles = hashes[order]
        unsure = []
        for run_hashes, run_positions in self._runs:
            # Sorted needles: numpy's binary search then only moves forward.
            at = np.minimum(np.searchsorted(run_hashes, needles), len(run_hashes) - 1)
            hit = np.flatnonzero(run_hashes[at] == needles)
            if len(hit) == 0:
                continue
            index = order[hit]
            candidates = run_positions[at[hit]]
            same = pc.equal(pc.take(keys, pa.array(index)), self.stored_keys(candidates))
            same = pc.fill_null(same, False).to_numpy(zero_copy_only=False)
            found[index[same]] = candidates[same]
            unsure.append(index[~same])
        # Two different keys with one hash (astronomically rare): the binary search may have
        # landed on the other one; settled by comparing with every key stored.
        missed = [i for index in unsure for i in index[found[index] < 0]]
        if missed:
            every = pa.chunked_array(self._keys, type=self._keys[0].type).combine_chunks()
            for i in missed:
                match = np.flatnonzero(pc.equal(every, keys[i]).to_numpy(zero_copy_only=False))
                if len(match):
                    found[i] = match[0]
        return found

    def stored_keys(self, positions: np.ndarray) -> pa.Array:
        """The keys at positions of the store, taken batch by batch: Arrow's `take` on a chunked
        array of text first concatenates every chunk, a copy of the whole store per call (400 MB
        for the 9M keys of the large demo's deal property history, on every batch read back)."""
        positions = np.asarray(positions, dtype=np.int64)
        if len(positions) == 0:
            return pa.array([], self._keys[0].type)
        starts = np.cumsum([0] + [len(chunk) for chunk in self._keys])
        chunk_of = np.searchsorted(starts, positions, side="right") - 1
        order = np.argsort(chunk_of, kind="stable")
        bounds = np.searchsorted(chunk_of[order], np.arange(len(self._keys) + 1))
        parts = []
        for chunk, (low, high) in enumerate(pairwise(bounds)):
            if high > low:
                offsets = positions[order[low:high]] - starts[chunk]
                parts.append(self._keys[chunk].take(pa.array(offsets)))
        grouped = pa.concat_arrays(parts)
        # Back to the order of `positions`.
        inverse = np.empty(len(order), dtype=np.int64)
        inverse[order] = np.arange(len(order))
        return grouped.take(pa.array(inverse))
