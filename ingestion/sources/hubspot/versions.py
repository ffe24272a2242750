"""The version (`updatedAt`, epoch ms) loaded for each record id in one load, in ~16 bytes an id.

A full load of a large portal reads millions of records per object type, and several types
load at once: a dict of id text to version costs ~100 bytes an id, over a gigabyte for them
all. HubSpot's ids are numbers written as text, so they are kept as int64 in sorted NumPy
arrays, with their versions beside them, and looked up a page at a time; the newest ids wait in
a small dict until a batch is merged in. An id that is not such a number stays in the dict.
"""

from collections.abc import Sequence

import numpy as np

UNSEEN = object()  # the previous version of an id not seen in this load
_NO_VERSION = np.iinfo(np.int64).min  # a record without updatedAt, in the arrays
MERGE_EVERY = 1 << 16
_MAX_DIGITS = 18  # every 18-digit number fits an int64


class Versions:
    def __init__(self) -> None:
        self._ids = np.empty(0, dtype=np.int64)
        self._versions = np.empty(0, dtype=np.int64)
        self._pending: dict[str, int | None] = {}  # numeric ids not merged yet
        self._other: dict[str, int | None] = {}  # ids that are not such numbers

    def __len__(self) -> int:
        return len(self._ids) + len(self._pending) + len(self._other)

    def previous(self, ids: Sequence[str]) -> list[object]:
        """The version loaded for each id so far (None: without one), or UNSEEN."""
        pending, other = self._pending, self._other
        found: list[object] = [pending.get(i, other.get(i, UNSEEN)) for i in ids]
        if not self._ids.size:
            return found
        todo = [k for k, i in enumerate(ids) if found[k] is UNSEEN and _numeric(i)]
        if not todo:
            return found
        numbers = np.fromiter((int(ids[k]) for k in todo), dtype=np.int64, count=len(todo))
        positions = np.minimum(np.searchsorted(self._ids, numbers), self._ids.size - 1)
        hits = (self._ids[positions] == numbers).tolist()
        versions = self._versions[positions].tolist()
        for k, hit, version in zip(todo, hits, versions, strict=True):
            if hit:
                found[k] = None if version == _NO_VERSION else version
        return found

    def add(self, object_id: str, version: int | None) -> None:
        """Records the version loaded for an id not seen before in this load."""
        if not _numeric(object_id):
            self._other[object_id] = version
            return
        self._pending[object_id] = version
        if len(self._pending) >= MERGE_EVERY:
            self._merge()

    def set(self, object_id: str, version: int | None) -> None:
        """Records a newer version loaded for an id seen before in this load."""
        for held in (self._pending, self._other):
            if object_id in held:
                held[object_id] = version
                return
        position = int(np.searchsorted(self._ids, int(object_id)))
        self._versions[position] = _NO_VERSION if version is None else version

    def _merge(self) -> None:
        pending = self._pending
        ids = np.fromiter((int(k) for k in pending), dtype=np.int64, count=len(pending))
        versions = np.fromiter(
            (_NO_VERSION if v is None else v for v in pending.values()),
            dtype=np.int64,
            count=len(pending),
        )
        ids = np.concatenate([self._ids, ids])
        versions = np.concatenate([self._versions, versions])
        order = np.argsort(ids, kind="stable")
        self._ids, self._versions = ids[order], versions[order]
        self._pending = {}


def _numeric(object_id: str) -> bool:
    return (
        object_id.isascii()
        and object_id.isdigit()
        and len(object_id) <= _MAX_DIGITS
        and object_id[0] != "0"
    )
