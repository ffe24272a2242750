"""How many models dbt builds at once on the DuckDB warehouse.

dbt-duckdb runs every thread's queries in one DuckDB database, so they share one memory limit
(SALESPULSE_DUCKDB_MEMORY_LIMIT). On a small warehouse the profile's four threads overlap dbt's
per-node Python with DuckDB's queries (25-30 % less wall time for the demo's ~560 nodes). On a
warehouse larger than the limit each node's query is the whole cost, DuckDB already spreads one
query over every core, and several heavy queries at once exceed the limit wherever an operator
cannot spill: at the large demo size (1,000 reps, a 5.9 GB warehouse) three marts failed with
"Out of Memory" at 1 GB with four threads, and every model built with one. So a warehouse file
larger than the memory limit is built one model at a time, unless SALESPULSE_DBT_THREADS says
otherwise. The file's size is known before dbt starts and grows with what dbt's queries read.
"""

from salespulse.settings import Settings

# One model at a time gives each query the whole memory limit.
LARGE_WAREHOUSE_THREADS = 1


def dbt_threads(settings: Settings) -> int | None:
    """The `--threads` of this dbt invocation; None keeps the profile's (dbt_project/profiles.yml)."""
    if settings.dbt_threads is not None:
        return settings.dbt_threads
    if settings.warehouse != "duckdb":
        return None  # the server manages its own memory
    if _file_size(settings) > settings.duckdb_memory_limit_bytes:
        return LARGE_WAREHOUSE_THREADS
    return None


def _file_size(settings: Settings) -> int:
    """The build warehouse's size on disk, its write-ahead log included (0 before its first load)."""
    files = (settings.build_path, settings.build_path.with_name(settings.build_path.name + ".wal"))
    return sum(path.stat().st_size for path in files if path.exists())
