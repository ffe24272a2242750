"""The primary keys one load of an entity has seen: which rows repeat a key (quarantined), and,
for a full export, which of the warehouse's records the export no longer holds.

Keys are remembered as a sorted array of 64-bit hashes (DuckDB's `hash`, in an in-memory
connection used only as a hash function) beside the position of each key in the store of keys
seen, so a membership test costs a binary search and a comparison of the keys found, never a
hash table of every key rebuilt per batch. Every answer is exact: a hash match is confirmed by
comparing the keys themselves.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.sources.files.parsing import as_text

KEY_SEPARATOR = "\x1f"


def key_array(parts: list[pa.Array]) -> pa.Array:
    """One text key per row from the key fields' values (joined when there are several)."""
    if len(parts) == 1 and pa.types.is_string(parts[0].type):
        return parts[0]
    return pc.binary_join_element_wise(*[as_text(part) for part in parts], KEY_SEPARATOR)


class KeySet:
    """Text keys, added batch by batch, with exact membership tests."""

    def __init__(self) -> None:
        self._hasher = duckdb.connect(":memory:")
        self._hashes = np.empty(0, dtype=np.uint64)  # sorted
        self._positions = np.empty(0, dtype=np.int64)  # of each hash's key in self._keys
        self._keys: list[pa.Array] = []
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def close(self) -> None:
        self._hasher.close()

    def hash(self, keys: pa.Array) -> np.ndarray:
        if len(keys) == 0:
            return np.empty(0, dtype=np.uint64)
        hashed = self._hasher.from_arrow(pa.table({"key": keys})).project("hash(key) as h")
        return hashed.to_arrow_table().column("h").to_numpy()

    def add(self, keys: pa.Array, hashes: np.ndarray | None = None) -> None:
        """Remember `keys` (distinct, and none of them already here)."""
        if len(keys) == 0:
            return
        hashes = self.hash(keys) if hashes is None else hashes
        order = np.argsort(hashes, kind="stable")
        hashes = hashes[order]
        positions = self._size + order.astype(np.int64)
        at = np.searchsorted(self._hashes, hashes)
        self._hashes = np.insert(self._hashes, at, hashes)
        self._positions = np.insert(self._positions, at, positions)
        self._keys.append(keys)
        self._size += len(keys)

    def contains(self, keys: pa.Array, hashes: np.ndarray | None = None) -> np.ndarray:
        """Which of `keys` are here (a boolean per key)."""
        found = np.zeros(len(keys), dtype=bool)
        if len(keys) == 0 or self._size == 0:
            return found
        hashes = self.hash(keys) if hashes is None else hashes
        at = np.minimum(np.searchsorted(self._hashes, hashes), len(self._hashes) - 1)
        candidate = self._hashes[at] == hashes
        if not candidate.any():
            return found
        where = np.flatnonzero(candidate)
        stored = self.stored_keys(self._positions[at[where]])
        same = pc.fill_null(pc.equal(pc.take(keys, pa.array(where)), stored), False)
        same = same.to_numpy(zero_copy_only=False)
        found[where[same]] = True
        # Two different keys with one hash: the binary search may have landed on the other.
        # Astronomically rare; settled exactly by comparing with every key stored.
        unsure = where[~same]
        if len(unsure):
            every = pa.chunked_array(self._keys, type=self._keys[0].type).combine_chunks()
            found[unsure] = pc.is_in(pc.take(keys, pa.array(unsure)), value_set=every).to_numpy(
                zero_copy_only=False
            )
        return found

    def stored_keys(self, positions: np.ndarray) -> pa.Array:
        """The keys at positions of the store (as returned by `position_of`)."""
        chunked = pa.chunked_array(self._keys, type=self._keys[0].type)
        return chunked.take(pa.array(positions, pa.int64())).combine_chunks()

    def position_of(self, keys: pa.Array) -> np.ndarray:
        """The store position of each key (all of which must be here)."""
        hashes = self.hash(keys)
        at = np.searchsorted(self._hashes, hashes)
        positions = self._positions[np.minimum(at, len(self._hashes) - 1)]
        same = pc.equal(keys, self.stored_keys(positions)).to_numpy(zero_copy_only=False)
        for index in np.flatnonzero(~same):  # a hash shared by two keys: walk its run
            start = at[index]
            while start < len(self._hashes) and self._hashes[start] == hashes[index]:
                candidate = self._positions[start]
                if self.stored_keys(np.array([candidate]))[0] == keys[index]:
                    positions[index] = candidate
                    break
                start += 1
        return positions
