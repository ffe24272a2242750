"""The closing summary's rows per source: read, loaded, quarantined at load, excluded from the
metrics by dbt; this run's loads only; and where to look at what was set aside."""

import duckdb

from orchestration.load_report import SourceRows, format_rows, rows_by_source, set_aside_note


def _warehouse(path):
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw_files")
        con.execute(
            "create table raw_files.load_accounting (entity varchar, file varchar, "
            "rows_read bigint, rows_loaded bigint, rows_quarantined bigint, load_id varchar)"
        )
        con.execute(
            "insert into raw_files.load_accounting values "
            "('deals', 'old.csv', 100, 100, 0, '1000.5'), "  # an earlier load: not this run's
            "('deals', 'deals.csv', 18, 11, 7, '2000.25'), "
            "('quotas', 'quotas.csv', 4, 4, 0, '2000.25')"
        )
        con.execute("create schema core")
        con.execute(
            "create table core.record_exceptions as select * from (values "
            "('deal', 'files:1', 'files', 'negative_amount', true), "
            "('deal', 'files:1', 'files', 'closed_before_created', true), "  # one record, two rules
            "('deal', 'files:2', 'files', 'created_after_as_of_date', false), "  # listed, counted
            "('deal', '9', 'hubspot', 'negative_amount', true)"
            ") as t(entity, record_id, source_system, rule_name, is_excluded)"
        )


def test_rows_of_this_runs_loads_with_what_dbt_left_out(tmp_path):
    build = tmp_path / "build.duckdb"
    _warehouse(build)

    report = rows_by_source(build, ["hubspot", "files"], since=2000.0)

    # hubspot has no load_accounting here: nothing to report for it.
    assert report == [SourceRows("files", read=22, loaded=15, quarantined=7, excluded=1)]
    assert (
        set_aside_note(report) == "8 of 22 rows set aside (files: 7 quarantined; files: 1 excluded)"
    )
    lines = format_rows(report)
    assert lines[1].split() == ["files", "22", "15", "7", "1"]
    assert any("raw_files.quarantine" in line for line in lines)
    assert any("core.record_exceptions" in line for line in lines)


def test_a_clean_load_sets_nothing_aside(tmp_path):
    assert set_aside_note([SourceRows("hubspot", 10, 10, 0, 0)]) is None
    assert rows_by_source(tmp_path / "missing.duckdb", ["hubspot"]) == []
