"""The key set behind duplicate detection and soft deletes: exact answers, whatever the hashes
do (here forced to collide), across many batches (sorted runs merged as they grow)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from ingestion.sources.files import keys as keys_module
from ingestion.sources.files.keys import KeySet, key_array


class CollidingKeySet(KeySet):
    """Only 7 distinct hashes: nearly every lookup meets keys that share its hash."""

    def hash(self, keys: pa.Array) -> np.ndarray:
        return (super().hash(keys) % np.uint64(7)).astype(np.uint64)


@pytest.mark.parametrize("narrow_up_to", [None, 300], ids=["int32", "widened-midway"])
@pytest.mark.parametrize("kind", [KeySet, CollidingKeySet])
def test_membership_and_positions_are_exact(
    kind: type[KeySet], narrow_up_to: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if narrow_up_to is not None:  # the store outgrows 32-bit positions after a few batches
        monkeypatch.setattr(keys_module, "NARROW_POSITIONS_UP_TO", narrow_up_to)
    rng = np.random.default_rng(3)
    keys = kind()
    stored: dict[str, int] = {}
    try:
        for batch in range(25):
            size = int(rng.integers(1, 60))
            fresh = [f"k{batch}-{i}" for i in range(size)]
            if batch % 2:  # the caller sorted the hashes already (the duplicate check)
                hashes = keys.hash(pa.array(fresh))
                keys.add(pa.array(fresh), hashes, np.argsort(hashes))
            else:
                keys.add(pa.array(fresh))
            for i, key in enumerate(fresh):
                stored[key] = len(stored) if i == 0 else stored[fresh[i - 1]] + 1
            probe = [*rng.choice(list(stored), 30), "absent", f"k{batch}-{size}", ""]
            positions = keys.positions(pa.array(probe))
            assert positions.tolist() == [stored.get(key, -1) for key in probe]
            assert keys.contains(pa.array(probe)).tolist() == [key in stored for key in probe]
        assert len(keys) == len(stored)
        everything = list(stored)
        assert keys.stored_keys(keys.positions(pa.array(everything))).to_pylist() == everything
    finally:
        keys.close()


def test_composite_keys_are_equal_exactly_when_their_parts_are() -> None:
    """Text, timestamp, date and integer parts joined as bytes: counts in fixed width (chosen
    here to contain the separator's byte), from arrays sliced at any offset."""
    rng = np.random.default_rng(5)
    n = 4_000
    separator_bytes = 0x1F1F1F1F1F1F  # a count whose bytes hold the separator
    ids = rng.choice(["1", "11", "", "a\u00e9", "deal-9000000075"], n).tolist()
    counts = rng.choice([0, 1, 31, separator_bytes, -separator_bytes, 2**40], n).tolist()
    days = rng.choice([0, 31, 7967, -1], n).tolist()
    numbers = rng.choice([0, 31, 7967, -1, 2**62], n).tolist()
    rows = list(zip(ids, counts, days, numbers, strict=True))
    rows[7] = (None, *rows[7][1:])
    rows[9] = (rows[9][0], None, *rows[9][2:])

    def parts(values: list[tuple], padding: int = 0) -> list[pa.Array]:
        """The rows as key parts, each array the tail of a longer one (a nonzero offset)."""
        padded = [values[0]] * padding + values
        columns = list(zip(*padded, strict=True))
        arrays = [
            pa.array(columns[0], pa.string()),
            pa.array(columns[1], pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            pa.array(columns[2], pa.int32()).cast(pa.date32()),
            pa.array(columns[3], pa.int64()),
        ]
        return [array.slice(padding) for array in arrays]

    keys = key_array(parts(rows, padding=3)).to_pylist()
    assert keys[7] is None and keys[9] is None  # a key with a missing part is no key
    first_key_of: dict[tuple, bytes] = {}
    for row, key in zip(rows, keys, strict=True):
        if None in row:
            continue
        first_key_of.setdefault(row, key)
        assert key == first_key_of[row]  # equal parts, equal keys
    assert len(set(first_key_of.values())) == len(first_key_of)  # different parts, different keys
    # The same rows built again without an offset give the same keys.
    assert key_array(parts(rows)).to_pylist() == keys
    # Each count takes its type's width: text, separator, 8 + 1 + 4 + 1 + 8 bytes.
    row = rows[0]
    assert len(keys[0]) == len(row[0].encode()) + 1 + 8 + 1 + 4 + 1 + 8
    timestamp = dt.datetime(2023, 7, 3, 17, 9, 51, 949000, tzinfo=dt.UTC)
    key = key_array([pa.array(["9000000075"]), pa.array([timestamp])]).to_pylist()[0]
    assert len(key) == len("9000000075") + 1 + 8


def test_the_filter_spares_most_lookups_of_absent_keys_a_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A load looks up every row's key and nearly all are new: the bitmap in front of the
    sorted runs must answer most of those lookups itself, and still find every key present."""
    searched: list[int] = []
    search_runs = KeySet._search_runs

    def counting(self: KeySet, keys: pa.Array, hashes: np.ndarray) -> np.ndarray:
        searched.append(len(keys))
        return search_runs(self, keys, hashes)

    monkeypatch.setattr(KeySet, "_search_runs", counting)
    keys = KeySet()
    try:
        for batch in range(40):  # the filter grows several times on the way
            fresh = pa.array([f"deal-{batch}-{i}" for i in range(2_500)])
            assert not keys.contains(fresh).any()
            keys.add(fresh)
        assert sum(searched) < 0.15 * 40 * 2_500  # 8-16 bits a key: 6-12 % searched
        present = pa.array([f"deal-{batch}-{i}" for batch in (0, 17, 39) for i in (0, 1_234)])
        assert keys.positions(present).tolist() == [0, 1_234, 42_500, 43_734, 97_500, 98_734]
    finally:
        keys.close()


@pytest.mark.parametrize("expected", [None, 100_000], ids=["growing", "expected"])
def test_a_key_set_told_how_many_keys_to_expect_sets_each_key_in_its_filter_once(
    expected: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full export into a table of N records: the filter sized for N before the first batch
    is never set again from every run as it grows (work that grows with the table), and the
    answers stay exact."""
    bits_set: list[int] = []
    set_filter_bits = KeySet._set_filter_bits

    def counting(self: KeySet, sorted_hashes: np.ndarray) -> None:
        bits_set.append(len(sorted_hashes))
        set_filter_bits(self, sorted_hashes)

    monkeypatch.setattr(KeySet, "_set_filter_bits", counting)
    keys = KeySet()
    try:
        if expected is not None:
            keys.expect(expected)
        for batch in range(40):
            fresh = pa.array([f"deal-{batch}-{i}" for i in range(2_500)])
            assert not keys.contains(fresh).any()
            keys.add(fresh)
        present = pa.array([f"deal-{batch}-{i}" for batch in (0, 17, 39) for i in (0, 1_234)])
        assert keys.positions(present).tolist() == [0, 1_234, 42_500, 43_734, 97_500, 98_734]
    finally:
        keys.close()
    if expected is None:
        assert sum(bits_set) > 2 * 100_000  # set again from every run at each doubling
    else:
        assert sum(bits_set) == 100_000
