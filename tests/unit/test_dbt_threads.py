"""How many models dbt builds at once: the profile's four on a warehouse that fits the DuckDB
memory limit, one at a time on a larger one (four heavy queries at once ran out of memory at the
large demo size), or SALESPULSE_DBT_THREADS."""

import pytest

from orchestration.defs.transformation.assets import dbt_build_args
from orchestration.defs.transformation.threads import dbt_threads
from salespulse.settings import SettingsError, load_settings


def _settings(tmp_path, **env):
    return load_settings({"SALESPULSE_HOME": str(tmp_path), **env})


def _warehouse_of(tmp_path, size_bytes: int, wal_bytes: int = 0) -> None:
    # Only the size on disk is read: a sparse file of that size stands for a loaded warehouse.
    with open(tmp_path / "build.duckdb", "wb") as build:
        build.truncate(size_bytes)
    if wal_bytes:
        with open(tmp_path / "build.duckdb.wal", "wb") as wal:
            wal.truncate(wal_bytes)


def test_a_new_or_small_warehouse_keeps_the_profiles_threads(tmp_path):
    assert dbt_threads(_settings(tmp_path)) is None  # no file before the first load
    _warehouse_of(tmp_path, 300_000_000)
    assert dbt_threads(_settings(tmp_path)) is None  # 0.3 GB within the default 1 GB


def test_a_warehouse_larger_than_the_memory_limit_builds_one_model_at_a_time(tmp_path):
    _warehouse_of(tmp_path, 1_200_000_000)
    assert dbt_threads(_settings(tmp_path)) == 1
    # The limit decides, not a fixed size: the same file fits within 2 GB.
    assert dbt_threads(_settings(tmp_path, SALESPULSE_DUCKDB_MEMORY_LIMIT="2GB")) is None


def test_the_write_ahead_log_counts_toward_the_size(tmp_path):
    _warehouse_of(tmp_path, 600_000_000, wal_bytes=600_000_000)
    assert dbt_threads(_settings(tmp_path)) == 1


def test_the_threads_setting_wins_and_auto_is_the_default(tmp_path):
    _warehouse_of(tmp_path, 5_000_000_000)
    assert dbt_threads(_settings(tmp_path, SALESPULSE_DBT_THREADS="3")) == 3
    assert dbt_threads(_settings(tmp_path, SALESPULSE_DBT_THREADS="auto")) == 1
    with pytest.raises(SettingsError, match="SALESPULSE_DBT_THREADS"):
        _settings(tmp_path, SALESPULSE_DBT_THREADS="0")


def test_a_postgresql_warehouse_keeps_the_profiles_threads(tmp_path):
    _warehouse_of(tmp_path, 5_000_000_000)  # a DuckDB file left in the home plays no part
    settings = _settings(
        tmp_path,
        SALESPULSE_WAREHOUSE="postgres",
        DESTINATION__POSTGRES__CREDENTIALS="postgresql://u:p@localhost:5432/sales",
    )
    assert dbt_threads(settings) is None


@pytest.mark.parametrize(
    ("limit", "size_bytes"),
    [("1GB", 10**9), ("1536MB", 1_536_000_000), ("1.5GiB", 1.5 * 2**30), ("700 mb", 700_000_000)],
)
def test_the_memory_limit_is_read_as_duckdb_reads_it(tmp_path, limit, size_bytes):
    settings = _settings(tmp_path, SALESPULSE_DUCKDB_MEMORY_LIMIT=limit)
    assert settings.duckdb_memory_limit_bytes == int(size_bytes)


def test_the_nightly_dbt_build_passes_the_threads_to_dbt(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESPULSE_HOME", str(tmp_path))
    monkeypatch.setenv("SALESPULSE_DUCKDB_MEMORY_LIMIT", "1MB")
    args = dbt_build_args()
    assert "--threads" not in args  # no warehouse yet: the profile's
    _warehouse_of(tmp_path, 2_000_000)
    args = dbt_build_args()
    assert args[args.index("--threads") + 1] == "1"
