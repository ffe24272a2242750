"""The as-of day, the last day the marts report on: SALESPULSE_AS_OF_DATE, else the day the run
was created on in the reporting time zone, which every step of the run uses
(orchestration/run_day.py). It reaches dbt in the environment, which dbt reads only while it
executes, never as a var: dbt keeps a hash of the vars in its parse state and parses the whole
project again when they change, so a var that changed every day made every nightly run parse
~300 files again (dbt_project/macros/as_of_date.sql)."""

import datetime as dt
import json
import os
import subprocess
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from dagster import AssetExecutionContext, asset, materialize
from dbt_by_hand import dbt_by_hand

from orchestration.defs.forecast.assets import forecast_as_of
from orchestration.defs.transformation.assets import dbt_build_args
from orchestration.run_day import as_of_day_in_environment, run_reporting_day
from salespulse.settings import HOME_SETTINGS_FILE, load_settings


def test_the_day_is_todays_date_in_the_reporting_time_zone_unless_set(tmp_path):
    environ = {
        "SALESPULSE_HOME": str(tmp_path),
        "SALESPULSE_REPORTING_TIMEZONE": "Pacific/Auckland",
    }
    noon_in_utc = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)  # 01:00 on 1 December there
    assert load_settings(environ).reporting_day(noon_in_utc) == dt.date(2026, 12, 1)
    environ["SALESPULSE_AS_OF_DATE"] = "2026-06-30"
    assert load_settings(environ).reporting_day(noon_in_utc) == dt.date(2026, 6, 30)


def test_the_forecast_is_made_as_of_the_marts_day(tmp_path, monkeypatch):
    """It used UTC's date: a day off the marts' for part of every day in another zone."""
    monkeypatch.setenv("SALESPULSE_HOME", str(tmp_path))
    monkeypatch.delenv("SALESPULSE_AS_OF_DATE", raising=False)
    days = {}

    @asset
    def forecast_day(context: AssetExecutionContext) -> None:
        days[context.run.tags["zone"]] = forecast_as_of(context)

    # UTC+14 and UTC-12: at any hour, one of the two is not on UTC's date.
    for zone in ("Pacific/Kiritimati", "Etc/GMT+12"):
        monkeypatch.setenv("SALESPULSE_REPORTING_TIMEZONE", zone)
        assert materialize([forecast_day], tags={"zone": zone}).success
        assert days[zone] == dt.datetime.now(ZoneInfo(zone)).date()


def _run_created(at: dict[str, dt.datetime], run_id: str, root_run_id: str | None = None):
    """What run_reporting_day reads of a step's context: its run, and the run history holding
    each run's creation time."""
    records = {run: SimpleNamespace(create_timestamp=time) for run, time in at.items()}
    return SimpleNamespace(
        run=SimpleNamespace(run_id=run_id, root_run_id=root_run_id),
        instance=SimpleNamespace(get_run_record_by_id=records.get),
    )


def test_a_run_keeps_the_day_it_was_created_on_after_midnight(tmp_path, monkeypatch):
    """Each step resolved today when it started: a run across midnight built the marts as of
    one day and the forecast as of the next. A re-execution keeps its root run's day (the steps
    it does not run again were built as of that day)."""
    monkeypatch.setenv("SALESPULSE_HOME", str(tmp_path))
    monkeypatch.setenv("SALESPULSE_REPORTING_TIMEZONE", "Pacific/Auckland")  # UTC+13 in summer
    monkeypatch.delenv("SALESPULSE_AS_OF_DATE", raising=False)
    one_minute_to_midnight = dt.datetime(2026, 11, 30, 10, 59, tzinfo=dt.UTC)
    next_morning = dt.datetime(2026, 11, 30, 20, 0, tzinfo=dt.UTC)
    created = {"night": one_minute_to_midnight, "retry": next_morning}
    assert run_reporting_day(_run_created(created, "night")) == dt.date(2026, 11, 30)
    assert run_reporting_day(_run_created(created, "retry", "night")) == dt.date(2026, 11, 30)
    assert run_reporting_day(_run_created(created, "retry")) == dt.date(2026, 12, 1)
    # Run storage without a zone keeps UTC.
    naive = {"night": one_minute_to_midnight.replace(tzinfo=None)}
    assert run_reporting_day(_run_created(naive, "night")) == dt.date(2026, 11, 30)
    # A day that is set wins.
    monkeypatch.setenv("SALESPULSE_AS_OF_DATE", "2026-06-30")
    assert run_reporting_day(_run_created(created, "night")) == dt.date(2026, 6, 30)


def test_the_runs_day_reaches_dbt_and_no_later_run(monkeypatch):
    monkeypatch.delenv("SALESPULSE_AS_OF_DATE", raising=False)
    with as_of_day_in_environment(dt.date(2026, 11, 30)):
        assert os.environ["SALESPULSE_AS_OF_DATE"] == "2026-11-30"
    assert "SALESPULSE_AS_OF_DATE" not in os.environ
    monkeypatch.setenv("SALESPULSE_AS_OF_DATE", "2026-06-30")
    with as_of_day_in_environment(dt.date(2026, 11, 30)):
        assert os.environ["SALESPULSE_AS_OF_DATE"] == "2026-11-30"
    assert os.environ["SALESPULSE_AS_OF_DATE"] == "2026-06-30"


def test_the_settings_hand_the_day_to_dbt_in_the_environment(tmp_path, monkeypatch):
    (tmp_path / HOME_SETTINGS_FILE).write_text('as_of_date = "2026-06-30"\n')
    environ = {"SALESPULSE_HOME": str(tmp_path)}
    load_settings(environ).export(environ)
    assert environ["SALESPULSE_AS_OF_DATE"] == "2026-06-30"
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert "as_of_date" not in json.loads(dbt_build_args()[-1])
    # Without a day (today), no earlier process's day is handed on.
    stale = {"SALESPULSE_HOME": str(tmp_path / "other"), "SALESPULSE_AS_OF_DATE": ""}
    load_settings(stale).export(stale)
    assert "SALESPULSE_AS_OF_DATE" not in stale


def _dbt(tmp_path: Path, *args: str, as_of: str) -> subprocess.CompletedProcess:
    """dbt on an empty warehouse in tmp_path, each call's log in logs-<as_of>/dbt.log."""
    logs = f"logs-{as_of.replace('/', '')}"
    return dbt_by_hand(tmp_path, *args, env={"SALESPULSE_AS_OF_DATE": as_of}, logs=logs)


@pytest.mark.integration
def test_a_new_day_reaches_the_sql_and_keeps_dbts_parse_state(tmp_path):
    parsed = _dbt(tmp_path, "parse", as_of="2026-06-30")
    assert parsed.returncode == 0, parsed.stdout

    next_day = _dbt(
        tmp_path, "compile", "--inline", "select '{{ as_of_date() }}' as day", as_of="2026-07-01"
    )
    assert next_day.returncode == 0, next_day.stdout
    assert "select '2026-07-01' as day" in next_day.stdout
    # dbt parsed nothing again: reading the day while parsing would re-parse every model that
    # reads it, and a var would re-parse the whole project.
    log = (tmp_path / "logs-2026-07-01" / "dbt.log").read_text()
    assert "Partial parsing enabled, no changes found, skipping parsing" in log

    bad_day = _dbt(
        tmp_path, "compile", "--inline", "select '{{ as_of_date() }}' as day", as_of="01/07/2026"
    )
    assert bad_day.returncode != 0
    assert "SALESPULSE_AS_OF_DATE must be a YYYY-MM-DD date, not '01/07/2026'" in " ".join(
        bad_day.stdout.split()
    )
