"""A publish while a dashboard session is open: the next rerun shows the new publication, even
while another reader in the same process still holds the old serving file open (DuckDB would
hand that reader's database to any new connection to the same path)."""

import shutil

import duckdb

from dashboard import formatting as fmt
from orchestration.defs.publish.serving import publish_marts

CURRENT_QUARTER = "FY2026-Q2"


def _bookings_tile(app) -> str:
    return next(m.value for m in app.metric if m.label == "Bookings")


def test_the_next_rerun_after_a_publish_shows_the_new_figures(open_app, published_home, tmp_path):
    home = tmp_path / "warehouse"
    home.mkdir()
    serving_path = home / "serving.duckdb"
    shutil.copy(published_home / "serving.duckdb", serving_path)
    build = tmp_path / "build.duckdb"
    shutil.copy(published_home / "build.duckdb", build)
    app = open_app("overview", home=home)
    before = _bookings_tile(app)

    held_open = duckdb.connect(str(serving_path), read_only=True)  # a BI tool, say
    try:
        # A later refresh booked more this quarter; publish it the way the nightly job does.
        with duckdb.connect(str(build)) as con:
            con.execute(
                "update sales.company_performance set bookings = bookings + 1234567 "
                "where period_grain = 'fiscal_quarter' and period_label = ?",
                [CURRENT_QUARTER],
            )
            (expected,) = con.execute(
                "select bookings from sales.company_performance "
                "where period_grain = 'fiscal_quarter' and period_label = ?",
                [CURRENT_QUARTER],
            ).fetchone()
            marts = con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema in ('core', 'sales', 'people', 'forecast')"
            ).fetchall()
        publish_marts(build, serving_path, marts, run_id="republished-by-the-test")

        app.run()

        assert _bookings_tile(app) == fmt.money_short(expected, "USD") != before
        app.switch_page("views/data_quality.py").run()
        published = next(m for m in app.metric if m.label == "Published")
        assert "run republis" in published.delta
        # The reader that held the old file open still reads it, whole.
        (old,) = held_open.execute("select run_id from salespulse.data_as_of").fetchone()
        assert old != "republished-by-the-test"
    finally:
        held_open.close()
