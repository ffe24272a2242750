"""publish_marts: a new serving file renamed into place, Parquet beside it, history kept, and
the previous version untouched when anything goes wrong."""

import os
import subprocess
import sys
import textwrap

import duckdb
import pytest

from orchestration.defs.publish.serving import ServingFileHeld, publish_marts

MARTS = [("sales", "rep_performance_monthly")]


@pytest.fixture
def build_file(tmp_path):
    path = tmp_path / "build.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema sales")
        con.execute(
            "create table sales.rep_performance_monthly as "
            "select 'r1' as rep_id, 10.50::decimal(18, 2) as bookings"
        )
    return path


def _bookings(path) -> list:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select rep_id, bookings from sales.rep_performance_monthly").fetchall()


def test_publishes_marts_parquet_and_the_publication_log(tmp_path, build_file):
    serving = tmp_path / "serving.duckdb"
    link = tmp_path / "parquet"

    published = publish_marts(build_file, serving, MARTS, run_id="run-1", parquet_link=link)

    assert [(t.relation, t.row_count) for t in published] == [("sales.rep_performance_monthly", 1)]
    assert _bookings(serving) == [("r1", 10.5)]
    parquet_file = link / "sales" / "rep_performance_monthly.parquet"
    assert link.is_symlink()
    assert duckdb.sql(f"select count(*) from '{parquet_file}'").fetchall() == [(1,)]
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select run_id from salespulse.data_as_of").fetchone()[0] == "run-1"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_second_publish_keeps_history_and_the_previous_parquet_folder_only(tmp_path, build_file):
    serving, link = tmp_path / "serving.duckdb", tmp_path / "parquet"
    for run in ("run-1", "run-2", "run-3"):
        publish_marts(build_file, serving, MARTS, run_id=run, parquet_link=link)

    with duckdb.connect(str(serving), read_only=True) as con:
        runs = con.execute(
            "select distinct run_id from salespulse.publications order by 1"
        ).fetchall()
        latest = con.execute("select run_id from salespulse.data_as_of").fetchone()[0]
    assert runs == [("run-1",), ("run-2",), ("run-3",)]
    assert latest == "run-3"
    # The current folder and the one before it (a reader may still be in it); older ones go.
    assert len(list(tmp_path.glob("parquet-*"))) == 2


def test_a_failed_publish_leaves_the_previous_serving_file_untouched(tmp_path, build_file):
    serving = tmp_path / "serving.duckdb"
    publish_marts(build_file, serving, MARTS, run_id="run-1")
    before = (serving.read_bytes(), serving.stat().st_mtime_ns)

    with pytest.raises(duckdb.CatalogException):
        publish_marts(build_file, serving, [*MARTS, ("sales", "missing_mart")], run_id="run-2")

    assert (serving.read_bytes(), serving.stat().st_mtime_ns) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_leftovers_of_a_killed_publish_are_removed(tmp_path, build_file):
    serving = tmp_path / "serving.duckdb"
    leftover = tmp_path / ".serving.duckdb.0123abcd.tmp"
    leftover.write_bytes(b"half a database")
    os.utime(leftover, (0, 0))

    publish_marts(build_file, serving, MARTS, run_id="run-1")

    assert not leftover.exists()
    assert _bookings(serving) == [("r1", 10.5)]


def test_nothing_to_publish_is_an_error(tmp_path, build_file):
    with pytest.raises(ValueError, match="nothing to publish"):
        publish_marts(build_file, tmp_path / "serving.duckdb", [], run_id="run-1")


def test_a_warehouse_path_with_a_quote_publishes_marts_and_parquet(tmp_path, build_file):
    """Paths reach DuckDB as parameters, never spliced into SQL text."""
    home = tmp_path / "o'brien's \"warehouse\""
    home.mkdir()
    serving, link = home / "serving.duckdb", home / "parquet"

    publish_marts(build_file, serving, MARTS, run_id="run-1", parquet_link=link)

    assert _bookings(serving) == [("r1", 10.5)]
    parquet_file = link / "sales" / "rep_performance_monthly.parquet"
    with duckdb.connect() as con:
        assert (
            con.execute("select count(*) from read_parquet(?)", [str(parquet_file)]).fetchone()[0]
            == 1
        )


HOLD_READ_WRITE = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])  # read-write: what a reader must never do
    print("holding", flush=True)
    time.sleep(120)
    """
)


def test_a_reader_holding_the_serving_file_read_write_fails_the_publish_with_the_fix(
    tmp_path, build_file
):
    serving = tmp_path / "serving.duckdb"
    publish_marts(build_file, serving, MARTS, run_id="run-1")
    before = serving.read_bytes()
    reader = subprocess.Popen(
        [sys.executable, "-c", HOLD_READ_WRITE, str(serving)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert reader.stdout.readline().strip() == "holding"
        with pytest.raises(ServingFileHeld) as raised:
            publish_marts(build_file, serving, MARTS, run_id="run-2")
    finally:
        reader.kill()
        reader.wait()

    message = str(raised.value)
    assert f"PID {reader.pid}" in message
    assert "read_only=True" in message and "run the refresh again" in message
    assert serving.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


FORECAST = ("forecast", "forecast_bookings_monthly")


def _build_with_forecast(path, bookings: str, forecast: str) -> None:
    """The build warehouse after a run: the sales mart, and a forecast mart."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists forecast")
        con.execute(
            "create or replace table sales.rep_performance_monthly as "
            f"select 'r1' as rep_id, {bookings}::decimal(18, 2) as bookings"
        )
        con.execute(
            "create or replace table forecast.forecast_bookings_monthly as "
            f"select 'company' as series_id, {forecast}::decimal(18, 2) as forecast_bookings"
        )


def test_a_partial_publish_carries_the_other_marts_over_as_last_published(tmp_path, build_file):
    """The intraday publish: the rebuilt mart from the build, the forecast mart from the previous
    serving file (not the build's newer, unpublished version), its Parquet file a hard link."""
    serving, link = tmp_path / "serving.duckdb", tmp_path / "parquet"
    _build_with_forecast(build_file, bookings="10.50", forecast="100.00")
    publish_marts(build_file, serving, [*MARTS, FORECAST], run_id="nightly", parquet_link=link)
    first_forecast = (link / "forecast" / "forecast_bookings_monthly.parquet").resolve()
    # Later the build holds new bookings, and a forecast that was never published.
    _build_with_forecast(build_file, bookings="12.00", forecast="999.00")

    published = publish_marts(
        build_file, serving, MARTS, run_id="intraday", parquet_link=link, carried_over=[FORECAST]
    )

    assert {t.relation: t.carried_over for t in published} == {
        "sales.rep_performance_monthly": False,
        "forecast.forecast_bookings_monthly": True,
    }
    assert _bookings(serving) == [("r1", 12.0)]
    with duckdb.connect(str(serving), read_only=True) as con:
        forecast = con.execute("select forecast_bookings from forecast.forecast_bookings_monthly")
        assert forecast.fetchall() == [(100.0,)]
        log = con.execute(
            "select run_id, table_schema || '.' || table_name, row_count, carried_over "
            "from salespulse.publications order by run_id, 2"
        ).fetchall()
    assert log == [
        ("intraday", "forecast.forecast_bookings_monthly", 1, True),
        ("intraday", "sales.rep_performance_monthly", 1, False),
        ("nightly", "forecast.forecast_bookings_monthly", 1, False),
        ("nightly", "sales.rep_performance_monthly", 1, False),
    ]
    carried_parquet = link / "forecast" / "forecast_bookings_monthly.parquet"
    assert carried_parquet.stat().st_ino == first_forecast.stat().st_ino
    assert duckdb.sql(f"select forecast_bookings from '{carried_parquet}'").fetchall() == [(100.0,)]
    rebuilt_parquet = link / "sales" / "rep_performance_monthly.parquet"
    assert duckdb.sql(f"select bookings from '{rebuilt_parquet}'").fetchall() == [(12.0,)]


def test_a_mart_to_carry_over_that_was_never_published_comes_from_the_build(tmp_path, build_file):
    serving, link = tmp_path / "serving.duckdb", tmp_path / "parquet"
    publish_marts(build_file, serving, MARTS, run_id="run-1", parquet_link=link)
    _build_with_forecast(build_file, bookings="10.50", forecast="100.00")

    published = publish_marts(
        build_file, serving, MARTS, run_id="run-2", parquet_link=link, carried_over=[FORECAST]
    )

    assert [t.carried_over for t in published] == [False, False]
    parquet_file = link / "forecast" / "forecast_bookings_monthly.parquet"
    assert duckdb.sql(f"select forecast_bookings from '{parquet_file}'").fetchall() == [(100.0,)]


def test_a_publication_log_from_before_carry_over_keeps_its_history(tmp_path, build_file):
    serving = tmp_path / "serving.duckdb"
    publish_marts(build_file, serving, MARTS, run_id="run-1")
    with duckdb.connect(str(serving)) as con:  # the log as publishes wrote it before
        con.execute("alter table salespulse.publications drop column carried_over")

    publish_marts(build_file, serving, MARTS, run_id="run-2")

    with duckdb.connect(str(serving), read_only=True) as con:
        log = con.execute(
            "select run_id, carried_over from salespulse.publications order by run_id"
        ).fetchall()
    assert log == [("run-1", False), ("run-2", False)]


def test_every_connection_that_copies_marts_holds_duckdb_to_the_memory_limit(
    tmp_path, build_file, monkeypatch
):
    """Without a limit DuckDB takes up to 80 % of the machine: copying the large demo's marts
    held 4.3 GB (1.1 GB under the default 1 GB, in the same time)."""
    from orchestration.defs.alerts.republish import republish_alerts

    with duckdb.connect(str(build_file)) as con:
        con.execute("create schema alerts")
        con.execute("create table alerts.alerts as select 'a1' as alert_id")
    connect, limits = duckdb.connect, []

    def connect_and_read_the_limit(*args, **kwargs):
        con = connect(*args, **kwargs)
        limits.append(con.execute("select current_setting('memory_limit')").fetchone()[0])
        return con

    monkeypatch.setattr(duckdb, "connect", connect_and_read_the_limit)
    serving, link = tmp_path / "serving.duckdb", tmp_path / "parquet"
    publish_marts(build_file, serving, MARTS, "run-1", parquet_link=link, memory_limit="300MB")
    republish_alerts(build_file, serving, link, memory_limit="300MB")

    # The writer of the new file, the Parquet export, the alerts' copy: DuckDB renders 300 MB
    # as 286.1 MiB.
    assert limits == ["286.1 MiB"] * 3
