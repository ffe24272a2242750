"""The Dagster instance the `salespulse` command runs in: persistent, so that `salespulse status`
and `dagster dev` see the command's runs, with the build-warehouse pool limited to one writer."""

import os
from pathlib import Path

from salespulse.settings import Settings

INSTANCE_CONFIG = """\
# Written by `salespulse`; DuckDB allows one writer, so every pool (build_warehouse) runs one
# step at a time across all runs.
concurrency:
  pools:
    default_limit: 1
# The daemon marks runs whose process died as failed, which frees their pool slots.
run_monitoring:
  enabled: true
telemetry:
  enabled: false
"""


def dagster_home(settings: Settings) -> Path:
    """`$DAGSTER_HOME` (Dagster's own variable), else the warehouse home's `dagster/`."""
    configured = os.environ.get("DAGSTER_HOME")
    return Path(configured).expanduser().resolve() if configured else settings.dagster_home


def ensure_dagster_home(settings: Settings) -> Path:
    """The instance folder, created with our instance config if new; exported as DAGSTER_HOME
    for Dagster and everything it starts."""
    home = dagster_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_CONFIG)
    os.environ["DAGSTER_HOME"] = str(home)
    return home
