"""The build warehouse connection that checks, reports and the forecast use."""

from __future__ import annotations

import duckdb

from ingestion.warehouse import build_warehouse_connection


def test_the_build_warehouse_connection_holds_duckdb_to_the_memory_limit(tmp_path, monkeypatch):
    """Like dlt's and dbt's connections: DuckDB's default would be 80 % of the machine."""
    home = tmp_path / "home"
    home.mkdir()
    duckdb.connect(str(home / "build.duckdb")).close()
    monkeypatch.setenv("SALESPULSE_HOME", str(home))
    monkeypatch.setenv("SALESPULSE_WAREHOUSE", "duckdb")
    monkeypatch.setenv("SALESPULSE_DUCKDB_MEMORY_LIMIT", "700MB")
    for read_only in (True, False):
        with build_warehouse_connection(read_only=read_only) as con:
            (limit,) = con.execute("select current_setting('memory_limit')").fetchone()
        assert limit == "667.5 MiB"  # DuckDB's own rendering of 700 MB
