"""Forecast task results kept from one run to the next, so a night refits only what changed.

A task (one method on one history, `forecasting.models.Task`) is a pure function of its method,
seasonal period, values and horizon: the same task gives the same forecast. From one night to
the next the monthly histories end at the same complete month, and when a month completes every
backtest origin but the newest is a task seen before. So each task's result is stored under a
digest of everything it depends on (with the statsforecast version and the interval levels);
a run computes only the tasks it has not seen. The file keeps only the latest run's tasks.

A SQLite file (the standard library's), not `joblib.Memory`: one file read and written in one
transaction each, where joblib writes a folder and two files per call (2,652 fits a night at
1,000 reps) and never forgets one. A file that cannot be read is ignored, every task computed
and the file replaced: the cache can cost a refit, never a wrong forecast.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import uuid
from contextlib import closing
from importlib.metadata import version
from pathlib import Path

import numpy as np

from forecasting.models import Task
from forecasting.settings import LEVELS

log = logging.getLogger(__name__)

# Raise when what a task computes changes without its inputs changing (forecasting.models).
FORMAT = 1
_RESULT_SHAPE = (-1, 5)  # forecasting.models: point, lo_80, hi_80, lo_95, hi_95


def task_key(task: Task) -> str:
    """A digest of everything the task's result depends on."""
    digest = hashlib.sha256()
    header = f"{FORMAT}|statsforecast {version('statsforecast')}|{LEVELS}|"
    digest.update(f"{header}{task.method}|{task.season_length}|{task.horizon}|".encode())
    digest.update(np.ascontiguousarray(task.values, dtype=np.float64).tobytes())
    return digest.hexdigest()


class TaskCache:
    """The results of a previous run's tasks, read from `path` (missing: none), and the ones
    this run used, written back by `save()`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._stored = self._read()
        self._used: dict[str, bytes | None] = {}
        self.hits = 0
        self.misses = 0

    def get(self, task: Task) -> tuple[bool, np.ndarray | None]:
        """(found, result): the stored result of `task`, None for a task whose model failed."""
        key = task_key(task)
        if key not in self._stored:
            self.misses += 1
            return False, None
        self.hits += 1
        blob = self._stored[key]
        self._used[key] = blob
        if blob is None:
            return True, None
        return True, np.frombuffer(blob, dtype=np.float64).reshape(_RESULT_SHAPE).copy()

    def put(self, task: Task, result: np.ndarray | None) -> None:
        blob = None if result is None else np.ascontiguousarray(result, np.float64).tobytes()
        self._used[task_key(task)] = blob

    def save(self) -> None:
        """Replace the file with this run's tasks (written aside, then renamed into place)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        staged = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}")
        try:
            with closing(sqlite3.connect(staged)) as con, con:
                con.execute("create table results (key text primary key, result blob)")
                con.executemany("insert into results values (?, ?)", self._used.items())
            os.replace(staged, self.path)
        finally:
            staged.unlink(missing_ok=True)

    def _read(self) -> dict[str, bytes | None]:
        if not self.path.exists():
            return {}
        try:
            with closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)) as con:
                return dict(con.execute("select key, result from results"))
        except sqlite3.Error as error:
            log.warning(f"forecast task cache {self.path} unreadable ({error}): refitting all")
            return {}
