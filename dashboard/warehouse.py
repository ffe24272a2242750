"""Read-only queries on the serving warehouse, one fresh connection each, cached per publication.

Publish renames a new serving.duckdb over the old one. Within one process DuckDB reuses a
database that is already open for the same path, so a connection kept open, or opened while
another session still holds one, would keep showing the file as it was before the publish.
Each query therefore attaches the file into a new in-memory database, which opens whatever file
the path names at that moment. Results are cached under the file's identity (inode, modification
time, size): a new publication is a new identity, so the next rerun reads it, and the time limit
bounds what the cache keeps.
"""

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from ingestion.warehouse import serving_warehouse_path

CACHE_SECONDS = 600


class PublicationChanged(RuntimeError):
    """A publish replaced the serving file between choosing a publication and reading it."""


@dataclass(frozen=True)
class Publication:
    """One published serving file, identified by what `os.stat` says about it."""

    path: Path
    identity: tuple[int, int, int]

    @classmethod
    def current(cls, path: Path | None = None) -> "Publication | None":
        """The serving file published now, or None when nothing was published yet."""
        path = path or serving_warehouse_path()
        identity = _identity(path)
        return cls(path, identity) if identity else None

    def query(self, sql: str, params: Sequence[object] = ()) -> pd.DataFrame:
        """Rows of `sql` (DuckDB, `?` placeholders) from this publication."""
        return _cached_query(str(self.path), self.identity, sql, tuple(params))


def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


@st.cache_data(ttl=CACHE_SECONDS, max_entries=1000, show_spinner=False)
def _cached_query(
    path: str, identity: tuple[int, int, int], sql: str, params: tuple[object, ...]
) -> pd.DataFrame:
    # `identity` is part of the cache key: a new publication misses the cache.
    con = duckdb.connect(":memory:")
    try:
        con.execute("attach ? as serving (read_only)", [path])
        # The attached file is open now; if the path still names the same file, it is the
        # publication asked for. Otherwise a publish happened in between: the caller starts over.
        if _identity(Path(path)) != identity:
            raise PublicationChanged(path)
        con.execute("use serving")
        return con.execute(sql, list(params)).df()
    finally:
        con.close()
