"""Every warehouse home shares one dbt profile, so a new home's first dbt step starts from the
parse the asset graph's manifest left instead of parsing the whole project again (with the
DuckDB file named by its absolute path, dbt found "profile has changed" in every new home)."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from orchestration.defs.transformation import dbt_in_home
from orchestration.defs.transformation.parse_state import PARTIAL_PARSE_FILE, full_parse_reason
from orchestration.defs.transformation.project import (
    DBT_PROJECT_DIR,
    dbt_project,
    manifest_folder,
    parse_args,
)
from orchestration.defs.transformation.resource import dbt_steps_resource
from orchestration.settings import dbt_vars
from salespulse.settings import HOME_SETTINGS_FILE, load_settings

PARSE_VARS = {"enabled_sources": ["hubspot", "typeform"], "reporting_currency": "USD"}

# The edge cases below parse the whole project two or three times each (20-27 s) to guard a
# cost, never a build's result, so they run in the slow set (CI runs it); the default run keeps
# the common case, a new home starting from the manifest's parse, here and in the published demo
# run of tests/dashboard, which fails on any full parse.


def _parse_in(home, monkeypatch, seed=None, parse_vars=PARSE_VARS) -> dict:
    """`dbt parse` as the steps run it, in `home`, optionally from another parse's state;
    returns dbt's perf_info.json and its log."""
    monkeypatch.setenv("SALESPULSE_HOME", str(home))
    target = home / "target"
    target.mkdir(parents=True)
    if seed is not None:
        shutil.copyfile(seed, target / PARTIAL_PARSE_FILE)
    dbt_steps_resource(dbt_project).cli(parse_args(parse_vars), target_path=target).wait()
    perf = json.loads((target / "perf_info.json").read_text())
    return {
        "parsed": perf["parsed_path_count"],
        "full_parse": full_parse_reason(target / "dbt.log"),
    }


@pytest.mark.integration
def test_a_new_home_reuses_the_parse_made_in_another(tmp_path, monkeypatch):
    first = _parse_in(tmp_path / "first home", monkeypatch)
    assert first["parsed"] > 100  # the whole project
    # (with no state at all, or dagster-dbt's copy of the one dbt by hand left in target/)
    assert first["full_parse"] is not None

    state = tmp_path / "first home" / "target" / PARTIAL_PARSE_FILE
    second = _parse_in(tmp_path / "second home", monkeypatch, seed=state)

    assert second["full_parse"] is None
    assert second["parsed"] == 0
    # dbt ran in the home and wrote nothing there but what it was told to.
    assert sorted(p.name for p in (tmp_path / "second home").iterdir()) == ["target"]


@pytest.mark.integration
@pytest.mark.slow
def test_dagster_devs_parse_on_load_is_the_one_the_steps_start_from(tmp_path, monkeypatch):
    """`dagster dev` parses the project when it loads the definitions: DbtProject's own
    prepare_if_dev parsed with plain `dbt`, whose profile differs from the steps', so the
    first step after it parsed the whole project again."""
    settings = {  # a combination no other test uses: its manifest folder is this test's own
        "SALESPULSE_SOURCES": "typeform",
        "SALESPULSE_REPORTING_CURRENCY": "NZD",
        "SALESPULSE_DBT_VARS": json.dumps({"fiscal_year_start_month": 7}),
    }
    dev_vars = dbt_vars(load_settings({**os.environ, **settings}))
    folder = DBT_PROJECT_DIR / manifest_folder(dev_vars)
    shutil.rmtree(folder, ignore_errors=True)
    try:
        dev_home = tmp_path / "dev home"  # not there yet, as in a fresh clone
        load = subprocess.run(
            [sys.executable, "-c", "import orchestration.definitions"],
            env={**os.environ, **settings, "DAGSTER_IS_DEV_CLI": "1", "SALESPULSE_HOME": str(dev_home)},
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert load.returncode == 0, load.stderr[-3000:]
        assert (folder / "manifest.json").exists()

        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        step = _parse_in(
            tmp_path / "step home",
            monkeypatch,
            seed=folder / PARTIAL_PARSE_FILE,
            parse_vars=dev_vars,
        )
        assert step["full_parse"] is None
        assert step["parsed"] == 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.integration
@pytest.mark.slow
def test_where_the_sources_were_set_does_not_cost_a_parse(tmp_path, monkeypatch):
    """dbt_project.yml's source switches read SALESPULSE_SOURCES when the vars do not name the
    sources, so dbt parses the whole project again when its value changed, though the vars
    decide: a run whose sources came from its home file (or --demo's default) parsed again
    after one that named them in the environment (the demo after the test suite, 7-10 s)."""
    sources = PARSE_VARS["enabled_sources"]
    monkeypatch.setenv("SALESPULSE_SOURCES", ",".join(sources))
    load_settings({**os.environ, "SALESPULSE_HOME": str(tmp_path / "first home")}).export()
    first = _parse_in(tmp_path / "first home", monkeypatch)
    assert first["parsed"] > 100

    # The state's environment differs from the second process's: the whole project again.
    differing = tmp_path / "first home" / "target" / PARTIAL_PARSE_FILE
    monkeypatch.setenv("SALESPULSE_SOURCES", "hubspot")
    reparsed = _parse_in(tmp_path / "third home", monkeypatch, seed=differing)
    assert reparsed["full_parse"] == "env vars used in dbt_project.yml have changed"

    monkeypatch.delenv("SALESPULSE_SOURCES")
    second_home = tmp_path / "second home"
    second_home.mkdir()
    (second_home / HOME_SETTINGS_FILE).write_text(f"sources = {json.dumps(sources)}\n")
    settings = load_settings({**os.environ, "SALESPULSE_HOME": str(second_home)})
    assert list(settings.sources) == sources
    settings.export()
    state = tmp_path / "first home" / "target" / PARTIAL_PARSE_FILE
    second = _parse_in(second_home, monkeypatch, seed=state)

    assert second["full_parse"] is None
    assert second["parsed"] == 0


def test_salespulse_dbt_enters_the_home_and_names_the_build_warehouse_relative_to_it(
    tmp_path, monkeypatch
):
    environ = {"SALESPULSE_HOME": str(tmp_path)}
    monkeypatch.chdir("/")
    dbt_in_home.enter_home(environ)

    assert os.getcwd() == str(tmp_path)
    assert environ[dbt_in_home.DUCKDB_PATH_ENV] == "build.duckdb"


def test_salespulse_dbt_makes_a_new_home(tmp_path, monkeypatch):
    monkeypatch.chdir("/")
    dbt_in_home.enter_home({"SALESPULSE_HOME": str(tmp_path / "new")})
    assert os.getcwd() == str(tmp_path / "new")


def test_salespulse_dbt_refuses_to_start_without_a_home(monkeypatch):
    monkeypatch.chdir("/")
    with pytest.raises(SystemExit, match="SALESPULSE_HOME is not set"):
        dbt_in_home.enter_home({})
