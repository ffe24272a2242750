"""dlt source settings given for one block of code, through dlt's own configuration: the
environment provider, which dlt reads before `.dlt/config.toml` and `.dlt/secrets.toml`."""

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


@contextmanager
def dlt_configuration(values: Mapping[str, str]) -> Iterator[None]:
    """`{"SOURCES__FILES__MAPPING_PATH": ...}` for the block; the previous values after it."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
