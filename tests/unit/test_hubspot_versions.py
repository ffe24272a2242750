"""The compact store of the versions loaded per record id agrees with a plain dict, across its
merges into sorted arrays, for ids that are numbers and ids that are not."""

import random

import pytest

from ingestion.sources.hubspot import versions as module
from ingestion.sources.hubspot.bookkeeping import LoadBook


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    monkeypatch.setattr(module, "MERGE_EVERY", 64)  # many merges on a small test


def test_verdicts_and_counts_agree_with_a_dict():
    rng = random.Random(7)
    book, truth, superseded = LoadBook("deals"), {}, 0
    for _ in range(300):
        page = [
            (rng.choice([str(rng.randint(1, 2_000)), f"x{rng.randint(1, 50)}", "007", "0"]),
             rng.choice([None, rng.randint(1, 10**12)]))
            for _ in range(50)
        ]  # fmt: skip
        verdicts = book.accept_page(page)
        for (object_id, version), verdict in zip(page, verdicts, strict=True):
            if object_id not in truth:
                expected = True
            else:
                superseded += 1
                before = truth[object_id]
                expected = version is not None and before is not None and version > before
            if expected:
                truth[object_id] = version
            assert verdict == expected, object_id

    assert book.loaded == len(truth)
    assert book.superseded == superseded
    assert book.read == 300 * 50
