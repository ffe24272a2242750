"""Work ahead of the consumer in a thread. The files source runs as three stages, each in its own
thread: Arrow's CSV reader decodes the next batch of an export while the previous one is parsed
and checked, and that while dlt writes the one before (Arrow, numpy and DuckDB release the GIL,
so the stages share both cores instead of waiting on each other)."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Generator, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetched(
    items: Iterator[T], depth: int = 2, name: str = "files-source-prefetch"
) -> Generator[T, None, None]:
    """The items of `items`, produced in a thread at most `depth` ahead of the consumer (so
    memory stays bounded). An exception in the producer is raised in the consumer; a consumer
    that stops early stops the producer."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        ready.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put(_DONE)
        except BaseException as error:  # handed to the consumer, raised there
            ready.put(_Failed(error))

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item = ready.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(queue.Empty):
                ready.get(timeout=0.1)
        worker.join()
