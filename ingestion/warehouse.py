"""Where the warehouse files live: one absolute path for dlt, dbt and Dagster alike, from the
deployment's settings (`salespulse.settings`, which reads `SALESPULSE_HOME`).

A relative path resolves differently under dbt (project folder), Dagster and pytest, so every
consumer derives its paths from here, and the settings export `SALESPULSE_HOME` as an absolute
path before dbt runs.
"""

from pathlib import Path

from salespulse.settings import BUILD_FILE, SERVING_FILE, current_settings

__all__ = [
    "BUILD_FILE",
    "SERVING_FILE",
    "build_warehouse_path",
    "dlt_pipelines_dir",
    "parquet_path",
    "salespulse_home",
    "serving_warehouse_path",
]

# DuckDB settings of dlt's connections to the build warehouse while it loads. Raw tables have no
# order (every reader sorts), and keeping the file's order costs DuckDB twice the CPU and three
# times the memory on a bulk insert; the memory limit keeps a load of millions of rows within
# the budget of a small machine (DuckDB spills to disk beyond it).
BUILD_LOADER_DUCKDB_CONFIG = {"preserve_insertion_order": False, "memory_limit": "1GB"}


def salespulse_home() -> Path:
    """The warehouse home (`SALESPULSE_HOME`, absolute; default `warehouse/` in the project)."""
    return current_settings().home


def build_warehouse_path() -> Path:
    """The DuckDB file that ingestion and dbt write; only the pipeline opens it."""
    return current_settings().build_path


def serving_warehouse_path() -> Path:
    """The DuckDB file that readers open read-only; replaced only by publish."""
    return current_settings().serving_path


def dlt_pipelines_dir() -> Path:
    """dlt's local pipeline state, kept beside the warehouse instead of the home directory."""
    return current_settings().dlt_pipelines_dir


def parquet_path() -> Path:
    """The published marts as Parquet: a link that publish switches to each new folder."""
    return current_settings().parquet_path
