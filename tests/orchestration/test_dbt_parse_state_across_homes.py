"""Every warehouse home shares one dbt profile, so a new home's first dbt step starts from the
parse the asset graph's manifest left instead of parsing the whole project again (with the
DuckDB file named by its absolute path, dbt found "profile has changed" in every new home)."""

import json
import os
import shutil

import pytest

from orchestration.defs.transformation import dbt_in_home
from orchestration.defs.transformation.assets import PARTIAL_PARSE_FILE
from orchestration.defs.transformation.project import dbt_project, parse_args
from orchestration.defs.transformation.resource import dbt_steps_resource

PARSE_VARS = {"enabled_sources": ["hubspot", "typeform"], "reporting_currency": "USD"}


def _parse_in(home, monkeypatch, seed=None) -> dict:
    """`dbt parse` as the steps run it, in `home`, optionally from another parse's state;
    returns dbt's perf_info.json and its log."""
    monkeypatch.setenv("SALESPULSE_HOME", str(home))
    target = home / "target"
    target.mkdir(parents=True)
    if seed is not None:
        shutil.copyfile(seed, target / PARTIAL_PARSE_FILE)
    dbt_steps_resource(dbt_project).cli(parse_args(PARSE_VARS), target_path=target).wait()
    perf = json.loads((target / "perf_info.json").read_text())
    return {"parsed": perf["parsed_path_count"], "log": (target / "dbt.log").read_text()}


@pytest.mark.integration
def test_a_new_home_reuses_the_parse_made_in_another(tmp_path, monkeypatch):
    first = _parse_in(tmp_path / "first home", monkeypatch)
    assert first["parsed"] > 100  # the whole project

    state = tmp_path / "first home" / "target" / PARTIAL_PARSE_FILE
    second = _parse_in(tmp_path / "second home", monkeypatch, seed=state)

    assert "Unable to do partial parsing" not in second["log"]
    assert second["parsed"] == 0
    # dbt ran in the home and wrote nothing there but what it was told to.
    assert sorted(p.name for p in (tmp_path / "second home").iterdir()) == ["target"]


def test_salespulse_dbt_enters_the_home_and_names_the_build_warehouse_relative_to_it(
    tmp_path, monkeypatch
):
    environ = {"SALESPULSE_HOME": str(tmp_path)}
    monkeypatch.chdir("/")
    dbt_in_home.enter_home(environ)

    assert os.getcwd() == str(tmp_path)
    assert environ[dbt_in_home.DUCKDB_PATH_ENV] == "build.duckdb"


def test_salespulse_dbt_refuses_to_start_without_a_home(monkeypatch):
    monkeypatch.chdir("/")
    with pytest.raises(SystemExit, match="SALESPULSE_HOME is not set"):
        dbt_in_home.enter_home({})
