"""The Dagster instance the `salespulse` command runs in: persistent, so that `salespulse status`
and `dagster dev` see the command's runs, with the build-warehouse pool limited to one writer."""

import os
from pathlib import Path

from ingestion.warehouse import salespulse_home

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


def ensure_dagster_home() -> Path:
    """`$DAGSTER_HOME`, or `$SALESPULSE_HOME/dagster` created with our instance config."""
    configured = os.environ.get("DAGSTER_HOME")
    home = Path(configured) if configured else salespulse_home() / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_CONFIG)
    os.environ["DAGSTER_HOME"] = str(home.resolve())
    return home
