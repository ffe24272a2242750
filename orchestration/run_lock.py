"""One command at a time writes a warehouse home: `salespulse run` and `salespulse ingest` hold
an exclusive lock on `<home>/run.lock` while they work. A second command refuses at once, naming
the one that holds it, or waits for it when asked. The operating system releases the lock when
the holder ends, however it ends (a kill, a crash), so a stale lock cannot block anyone."""

import datetime as dt
import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = "run.lock"
WAIT_REPORT_SECONDS = 60


class RunInProgress(RuntimeError):
    """Another command holds the warehouse home."""


@contextmanager
def exclusive_run(home: Path, command: str, log_path: Path | None = None, wait: bool = False):
    """Hold the home's run lock for `command` (its description, shown to whoever is refused)."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = home / LOCK_FILE
    handle = open(path, "a+")  # noqa: SIM115 (held for the whole block)
    try:
        _acquire(handle, path, wait)
        holder = {
            "command": command,
            "pid": os.getpid(),
            "started_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "log": str(log_path) if log_path else None,
        }
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(holder))
        handle.flush()
        yield holder
    finally:
        handle.close()  # releases the lock


def _acquire(handle, path: Path, wait: bool) -> None:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        if not wait:
            raise RunInProgress(
                f"{describe_holder(path)} is already running on this warehouse; "
                "wait for it to finish, or pass --wait to start when it has"
            ) from None
    for _ in _waiting(path):
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            continue


def _waiting(path: Path) -> Iterator[None]:
    reported: float | None = None
    while True:
        if reported is None or time.monotonic() - reported >= WAIT_REPORT_SECONDS:
            print(f"Waiting for {describe_holder(path)} to finish …", file=sys.stderr, flush=True)
            reported = time.monotonic()
        time.sleep(0.5)
        yield


def describe_holder(path: Path) -> str:
    """`salespulse run --demo` (pid 123, started 2026-06-30T02:00:01+00:00, log …)."""
    try:
        holder = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        holder = {}
    if not holder:
        return "another salespulse command"
    details = [f"pid {holder.get('pid')}", f"started {holder.get('started_at')}"]
    if holder.get("log"):
        details.append(f"log {holder['log']}")
    return f"`{holder.get('command', 'salespulse')}` ({', '.join(details)})"
