"""The key set behind duplicate detection and soft deletes: exact answers, whatever the hashes
do (here forced to collide), across many batches (sorted runs merged as they grow)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from ingestion.sources.files.keys import KeySet


class CollidingKeySet(KeySet):
    """Only 7 distinct hashes: nearly every lookup meets keys that share its hash."""

    def hash(self, keys: pa.Array) -> np.ndarray:
        return (super().hash(keys) % np.uint64(7)).astype(np.uint64)


@pytest.mark.parametrize("kind", [KeySet, CollidingKeySet])
def test_membership_and_positions_are_exact(kind: type[KeySet]) -> None:
    rng = np.random.default_rng(3)
    keys = kind()
    stored: dict[str, int] = {}
    try:
        for batch in range(25):
            size = int(rng.integers(1, 60))
            fresh = [f"k{batch}-{i}" for i in range(size)]
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
