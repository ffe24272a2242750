"""Where the warehouse files live: one absolute path for dlt, dbt and Dagster alike.

A relative path resolves differently under dbt (project folder), Dagster and pytest, so every
consumer derives its paths from here, and `SALESPULSE_HOME` is exported as an absolute path
before dbt runs.
"""

import os
from pathlib import Path

from ingestion import PROJECT_ROOT

BUILD_FILE = "build.duckdb"
SERVING_FILE = "serving.duckdb"

# DuckDB settings of dlt's connections to the build warehouse while it loads. Raw tables have no
# order (every reader sorts), and keeping the file's order costs DuckDB twice the CPU and three
# times the memory on a bulk insert; the memory limit keeps a load of millions of rows within
# the budget of a small machine (DuckDB spills to disk beyond it).
BUILD_LOADER_DUCKDB_CONFIG = {"preserve_insertion_order": False, "memory_limit": "1GB"}


def salespulse_home() -> Path:
    """`$SALESPULSE_HOME`, made absolute; defaults to `warehouse/` under the project."""
    configured = os.environ.get("SALESPULSE_HOME")
    home = Path(configured).expanduser() if configured else PROJECT_ROOT / "warehouse"
    return home.resolve()


def build_warehouse_path() -> Path:
    """The DuckDB file that ingestion and dbt write; only the pipeline opens it."""
    return salespulse_home() / BUILD_FILE


def serving_warehouse_path() -> Path:
    """The DuckDB file that readers open read-only; replaced only by publish."""
    return salespulse_home() / SERVING_FILE


def dlt_pipelines_dir() -> Path:
    """dlt's local pipeline state, kept beside the warehouse instead of the home directory."""
    return salespulse_home() / "dlt_pipelines"


def parquet_path() -> Path:
    """The published marts as Parquet: a link that publish switches to each new folder."""
    return salespulse_home() / "parquet"
