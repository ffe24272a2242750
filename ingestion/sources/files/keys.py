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
# The key set's membership filter: at least this many bits a key, 8 to 16 as it doubles (6-12 %
# of absent keys find their bit set and are searched for; 17 MB at the large demo's 10.5M
# activities).
FILTER_BITS_PER_KEY = 8


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


def _merged(
    older: tuple[np.ndarray, np.ndarray], newer: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Two sorted runs (hashes, positions) as one: `np.insert` for both arrays, with the places
    of the newer run's entries worked out once instead of once per array."""
    size = len(older[0]) + len(newer[0])
    places = np.searchsorted(older[0], newer[0]) + np.arange(len(newer[0]))
    older_places = np.ones(size, dtype=bool)
    older_places[places] = False
    merged = []
    for old, new in zip(older, newer, strict=True):
        run = np.empty(size, dtype=old.dtype)
        run[places] = new
        run[older_places] = old
        merged.append(run)
    return merged[0], merged[1]


class KeySet:
    """Text keys, added batch by batch, with exact membership tests.

    The hashes are kept in a few sorted runs (a log-structured merge: a new batch is a run, and
    two runs of similar size are merged), so adding n keys in b batches costs O(n log b) rather
    than a copy of everything per batch, and a lookup is a forward-only binary search per run.

    In front of the runs, a bitmap with one bit set per key (at a slot taken from its hash, about
    FILTER_BITS_PER_KEY slots a key) answers most lookups of absent keys on its own: a key whose
    bit is clear is not here. A load looks up every row's key and nearly all are new (a repeat
    is the rare case it quarantines), so most binary searches are skipped (at 10.5M keys in
    batches of 250k, 0.3 s of lookups instead of 1.1 s).
    """

    def __init__(self, shared_hasher: duckdb.DuckDBPyConnection | None = None) -> None:
        self._hasher = hash_function(shared_hasher)
        # Sorted hashes, and the position of each one's key in the store (self._keys).
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []
        self._positions: type[np.signedinteger] = np.int32
        self._keys: list[pa.Array] = []
        self._size = 0
        # The membership filter: 2**self._filter_bits bits in 64-bit words.
        self._filter_bits = 12
        self._filter = np.zeros(1 << (self._filter_bits - 6), dtype=np.uint64)

    def __len__(self) -> int:
        return self._size

    def expect(self, count: int) -> None:
        """Size the filter for `count` keys now (a full export about to replace a table holds
        about as many keys as the table), so that it is not set again from every run each time
        it doubles on the way: that took 4-5 s of the parse thread over the large demo's export
        of the next day, against 0.5 s for setting each batch's bits once."""
        self._grow_filter_to(count)

    def close(self) -> None:
        self._hasher.close()

    def hash(self, keys: pa.Array) -> np.ndarray:
        return hash_keys(self._hasher, keys)

    def add(
        self, keys: pa.Array, hashes: np.ndarray | None = None, order: np.ndarray | None = None
    ) -> None:
        """Remember `keys` (distinct, and none of them already here); `order` is the argsort of
        `hashes` when the caller has it."""
        if len(keys) == 0:
            return
        hashes = self.hash(keys) if hashes is None else hashes
        # Not stable (a fifth of the time): keys sharing a hash are told apart by comparing them.
        order = np.argsort(hashes) if order is None else order
        if self._size + len(keys) > NARROW_POSITIONS_UP_TO and self._positions is np.int32:
            self._positions = np.int64  # every run's positions widen
            self._runs = [(run, positions.astype(np.int64)) for run, positions in self._runs]
        sorted_hashes = hashes[order]
        self._runs.append((sorted_hashes, (self._size + order).astype(self._positions)))
        self._keys.append(keys)
        self._size += len(keys)
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(self._runs[-1][0]):
            newer, older = self._runs.pop(), self._runs.pop()
            self._runs.append(_merged(older, newer))
        self._remember_in_filter(sorted_hashes)

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
        maybe = np.flatnonzero(self._filter_holds(hashes))
        if len(maybe) < len(keys):
            found[maybe] = self._search_runs(pc.take(keys, pa.array(maybe)), hashes[maybe])
        else:
            found = self._search_runs(keys, hashes)
        return found

    def _search_runs(self, keys: pa.Array, hashes: np.ndarray) -> np.ndarray:
        found = np.full(len(keys), -1, dtype=np.int64)
        if len(keys) == 0:
            return found
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

    def _filter_slots(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each hash's word of the filter and its bit in it, from the hash's top bits (DuckDB's
        hash ends in a multiply-xorshift finaliser: its top bits are as mixed as any): sorted
        hashes give sorted words."""
        slot = hashes >> np.uint64(64 - self._filter_bits)
        return (slot >> np.uint64(6)).astype(np.int64), np.left_shift(
            np.uint64(1), slot & np.uint64(63)
        )

    def _filter_holds(self, hashes: np.ndarray) -> np.ndarray:
        """False for hashes of keys certainly not here."""
        words, bits = self._filter_slots(hashes)
        return (self._filter[words] & bits) != 0

    def _remember_in_filter(self, sorted_hashes: np.ndarray) -> None:
        """Set the bits of newly added hashes (sorted); a filter grown too full (more than one
        key in FILTER_BITS_PER_KEY slots) doubles until it is not, set again from every run."""
        if not self._grow_filter_to(self._size):
            self._set_filter_bits(sorted_hashes)

    def _grow_filter_to(self, count: int) -> bool:
        """Double the filter until it holds FILTER_BITS_PER_KEY slots a key for `count` keys,
        set again from every run; whether it grew."""
        if count * FILTER_BITS_PER_KEY <= (1 << self._filter_bits):
            return False
        while count * FILTER_BITS_PER_KEY > (1 << self._filter_bits):
            self._filter_bits += 1
        self._filter = np.zeros(1 << (self._filter_bits - 6), dtype=np.uint64)
        for run_hashes, _ in self._runs:
            self._set_filter_bits(run_hashes)
        return True

    def _set_filter_bits(self, sorted_hashes: np.ndarray) -> None:
        words, bits = self._filter_slots(sorted_hashes)
        # Sorted words: each word's bits or-ed together, then one write per word.
        starts = np.flatnonzero(np.diff(words, prepend=-1))
        self._filter[words[starts]] |= np.bitwise_or.reduceat(bits, starts)

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
