"""The forecast dlt source loads its three tables into a temporary DuckDB warehouse, replacing
them on each run."""

import datetime as dt

import duckdb
import pandas as pd
import pytest
from conftest import HORIZON

from ingestion.sources.forecast import forecast_source, forecast_tables

AS_OF = dt.date(2026, 6, 30)  # the last day of June: June is complete
TABLES = ("bookings_forecast", "forecast_backtest", "forecast_accuracy")


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESPULSE_HOME", str(tmp_path / "warehouse"))
    from ingestion.warehouse import build_warehouse_path

    return build_warehouse_path()


def _counts(path) -> dict[str, tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            table: con.execute(
                f"select count(*), count(distinct forecast_run_id), min(as_of), max(as_of) "
                f"from raw_forecast.{table}"
            ).fetchone()
            for table in TABLES
        }


def test_forecast_source_loads_into_duckdb_and_replaces_on_rerun(warehouse, panel, result):
    from ingestion.pipelines import build_pipeline

    pipeline = build_pipeline("forecast")
    assert pipeline.dataset_name == "raw_forecast"
    info = pipeline.run(forecast_source(panel, AS_OF, HORIZON), loader_file_format="parquet")
    info.raise_on_failed_jobs()
    assert warehouse.exists()
    expected = {
        "bookings_forecast": len(result.forecast),
        "forecast_backtest": len(result.backtest),
        "forecast_accuracy": len(result.accuracy),
    }
    # 4 series: company 4 methods, team_short 3, team_tiny and team_zero 1 each
    assert expected["bookings_forecast"] == (4 + 3 + 1 + 1) * HORIZON
    assert expected["forecast_accuracy"] == 4 + 3 + 1 + 1
    first = _counts(warehouse)
    assert {table: counts[0] for table, counts in first.items()} == expected
    assert all(counts[1:] == (1, AS_OF, AS_OF) for counts in first.values())

    schema = pipeline.default_schema
    for table in TABLES:
        assert table in schema.tables
        assert schema.get_table(table)["write_disposition"] == "replace"
    columns = schema.get_table_columns("bookings_forecast")
    assert columns["month_start"]["data_type"] == "date"
    assert columns["chosen"]["data_type"] == "bool"
    assert columns["point"]["data_type"] == "double"

    # a rerun on the same data replaces the tables: same rows, same run id
    pipeline.run(
        forecast_source(panel, AS_OF, HORIZON), loader_file_format="parquet"
    ).raise_on_failed_jobs()
    assert _counts(warehouse) == first

    with duckdb.connect(str(warehouse), read_only=True) as con:
        tiny = con.execute(
            "select count(*), count(lo_80), min(flag) from raw_forecast.bookings_forecast "
            "where series_id = 'team_tiny'"
        ).fetchone()
        chosen = con.execute(
            "select series_id, method from raw_forecast.forecast_accuracy where chosen "
            "order by series_id"
        ).fetchall()
    assert tiny == (HORIZON, 0, "too_short")  # no interval: NULL, not NaN
    expected_chosen = result.accuracy[result.accuracy["chosen"]][["series_id", "method"]]
    assert chosen == [tuple(row) for row in expected_chosen.sort_values("series_id").values]


def test_as_of_mid_month_ignores_the_incomplete_month(warehouse, panel):
    from ingestion.pipelines import build_pipeline

    as_of = dt.date(2026, 6, 15)  # June is not complete: the history ends in May
    pipeline = build_pipeline("forecast")
    pipeline.run(forecast_source(panel, as_of, 3), loader_file_format="parquet")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        first_month, horizons = con.execute(
            "select min(month_start), max(horizon) from raw_forecast.bookings_forecast"
        ).fetchone()
    assert first_month == dt.date(2026, 6, 1)
    assert horizons == 3


def test_run_id_is_stable_for_equal_results_and_can_be_given(result):
    tables = forecast_tables(result, AS_OF)
    again = forecast_tables(result, AS_OF)
    run_id = tables["bookings_forecast"]["forecast_run_id"][0].as_py()
    assert run_id.startswith("2026-06-30-")
    assert again["bookings_forecast"]["forecast_run_id"][0].as_py() == run_id
    given = forecast_tables(result, AS_OF, run_id="dagster-run-1")
    assert set(given["forecast_accuracy"]["forecast_run_id"].to_pylist()) == {"dagster-run-1"}


def test_source_refuses_a_datetime_as_of(panel):
    with pytest.raises(TypeError, match="as_of"):
        forecast_source(panel, pd.Timestamp("2026-06-30").to_pydatetime(), HORIZON)
