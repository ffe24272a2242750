"""The dbt step: its process never outlives the step (nothing may hold the build warehouse after
a failed or interrupted step), its progress, and its failures reported whole."""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import psutil
import pytest
from dagster import AssetCheckResult, AssetKey, AssetMaterialization
from dagster._utils.error import serializable_error_info_from_exc_info
from dagster_dbt import DagsterDbtTranslator, DbtCliInvocation
from dagster_dbt.errors import DagsterDbtCliRuntimeError
from dbt.version import __version__ as dbt_version
from packaging import version

from orchestration.defs.transformation.assets import BuildProgress, events_until_dbt_ends
from orchestration.progress import failure_text, headline

DBT = str(Path(sys.executable).parent / "dbt")


@pytest.fixture
def slow_project(tmp_path) -> Path:
    """A two-model dbt project on its own DuckDB file: the first model is quick, the second
    takes minutes, so the step can fail while dbt is mid-build."""
    (tmp_path / "models").mkdir()
    (tmp_path / "dbt_project.yml").write_text(
        "name: slow\nversion: '1.0.0'\nconfig-version: 2\nprofile: slow\n"
        "models:\n  slow:\n    +materialized: table\n"
    )
    (tmp_path / "profiles.yml").write_text(
        "slow:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n"
        f"      path: {tmp_path / 'slow.duckdb'}\n      threads: 1\n"
    )
    (tmp_path / "models" / "quick.sql").write_text("select 1 as id\n")
    (tmp_path / "models" / "slow.sql").write_text(
        "select sum(a.range * b.range) as total\n"
        "from range(200000000) as a, range(1000) as b, {{ ref('quick') }}\n"
    )
    return tmp_path


@pytest.fixture
def quick_project(tmp_path) -> Path:
    """A one-model dbt project on its own DuckDB file."""
    project = tmp_path / "quick"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: quick\nversion: '1.0.0'\nconfig-version: 2\nprofile: quick\n"
    )
    (project / "profiles.yml").write_text(
        "quick:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n"
        f"      path: {project / 'quick.duckdb'}\n      threads: 1\n"
    )
    (project / "models" / "one.sql").write_text("select 1 as id\n")
    return project


@pytest.mark.integration
def test_a_step_that_fails_mid_build_ends_dbt_and_leaves_the_warehouse_unlocked(slow_project):
    """The failure of the README's command order, reproduced: the asset graph's manifest does
    not know a model dbt builds (here: none at all), so converting the first finished model's
    event raises KeyError while dbt goes on to the next model. dbt must end with the step."""
    invocation = DbtCliInvocation.run(
        args=[
            DBT,
            "build",
            "--project-dir",
            str(slow_project),
            "--profiles-dir",
            str(slow_project),
        ],
        env={**os.environ, "DBT_LOG_FORMAT": "json", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        manifest={"nodes": {}, "sources": {}, "metadata": {}},
        dagster_dbt_translator=DagsterDbtTranslator(),
        project_dir=slow_project,
        target_path=slow_project / "target",
        raise_on_error=False,
        context=None,
        adapter=None,
        cli_version=version.Version(dbt_version),
    )
    dbt = psutil.Process(invocation.process.pid)

    with pytest.raises(KeyError, match=r"model\.slow\.quick"):
        for _ in events_until_dbt_ends(invocation):
            pass

    assert not dbt.is_running() or dbt.status() == psutil.STATUS_ZOMBIE
    with duckdb.connect(str(slow_project / "slow.duckdb")) as con:  # read-write: no lock held
        assert con.execute("select id from main.quick").fetchall() == [(1,)]


def test_build_progress_counts_models_and_tests():
    progress = BuildProgress(models=3, tests=2)
    assert progress.due()  # the first event is reported at once
    for event in [
        AssetMaterialization(asset_key=AssetKey("a")),
        AssetCheckResult(asset_key=AssetKey("a"), check_name="c", passed=True),
        AssetMaterialization(asset_key=AssetKey("b")),
    ]:
        progress.count(event)
    assert progress.line() == "2 of 3 models done, 1 of 2 tests"
    assert not progress.due()  # then every few seconds, not on every event


DBT_FAILURE = textwrap.dedent(
    """\
    The dbt CLI process with command

    `dbt build --exclude-resource-type unit_test`

    failed with exit code `1`. Check the stdout in the Dagster compute logs for the full information about the error.

    Errors parsed from dbt logs:
    127 of 352 FAIL 1 assert_every_deal_currency_has_an_fx_rate .......... [\x1b[31mFAIL 1\x1b[0m in 0.04s]

    \x1b[31mFailure in test assert_every_deal_currency_has_an_fx_rate (tests/assert_every_deal_currency_has_an_fx_rate.sql)\x1b[0m

      Got 1 result, configured to fail if != 0"""
)


def _step_failure():
    """The error a failed dbt step records: Dagster's wrapping around dagster-dbt's error."""
    try:
        try:
            raise DagsterDbtCliRuntimeError(description=DBT_FAILURE)
        except DagsterDbtCliRuntimeError as dbt_error:
            raise RuntimeError(
                'Error occurred while executing op "salespulse_dbt_models"'
            ) from dbt_error
    except RuntimeError:
        return serializable_error_info_from_exc_info(sys.exc_info())


def test_a_failing_dbt_tests_message_is_reported_whole():
    text = failure_text(_step_failure())

    assert text.startswith("Failure in test assert_every_deal_currency_has_an_fx_rate")
    assert "Got 1 result, configured to fail if != 0" in text
    assert "The dbt CLI process with command" not in text
    assert "\x1b[" not in text and "127 of 352" not in text
    assert headline(_step_failure()) == (
        "Failure in test assert_every_deal_currency_has_an_fx_rate "
        "(tests/assert_every_deal_currency_has_an_fx_rate.sql)"
    )


def test_a_stopped_process_is_gone_within_the_grace_period():
    from orchestration.defs.transformation.assets import stop_process

    # A child that ignores SIGINT is killed once the grace period is over.
    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); print(1, flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
    )
    stubborn.stdout.readline()
    started = time.monotonic()
    stop_process(stubborn, grace_seconds=1)
    assert stubborn.poll() is not None and time.monotonic() - started < 30


@pytest.mark.integration
def test_the_dbt_resource_starts_dbt_once_and_no_adapter_in_this_process(slow_project, monkeypatch):
    """dagster-dbt's resource would start `dbt --version` and register a dbt adapter in the
    Dagster process (importing dbt, loading the profile and every macro) before each dbt step,
    for features the steps never use: the steps' resource starts dbt itself, and that alone."""
    import dagster_dbt.core.resource
    import dbt.adapters.factory

    from orchestration.defs.transformation.resource import DbtCoreCliResource

    started_elsewhere: list[str] = []

    def no_version_process(command, *args, **kwargs):
        started_elsewhere.append(" ".join(map(str, command)))
        raise AssertionError("dbt --version was started")

    def no_adapter(*args, **kwargs):
        started_elsewhere.append("a dbt adapter in the Dagster process")
        raise AssertionError("an adapter was registered")

    monkeypatch.setattr(dagster_dbt.core.resource, "check_output", no_version_process)
    monkeypatch.setattr(dbt.adapters.factory, "register_adapter", no_adapter)
    resource = DbtCoreCliResource(project_dir=str(slow_project), dbt_executable=DBT)

    invocation = resource.cli(["parse"], target_path=slow_project / "target", raise_on_error=False)

    assert invocation.wait().is_successful()
    assert started_elsewhere == []
    assert resource._cli_version == version.Version(dbt_version)
    assert (slow_project / "target" / "manifest.json").exists()


@pytest.mark.integration
def test_the_duckdb_memory_limit_setting_reaches_dbts_duckdb(tmp_path):
    """dbt builds under SALESPULSE_DUCKDB_MEMORY_LIMIT through the project's own profile (DuckDB
    would otherwise take 80 % of the machine: 12 GB at the large size)."""
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: limits\nversion: '1.0.0'\nconfig-version: 2\nprofile: salespulse\n"
    )
    (project / "models" / "duckdb_limits.sql").write_text(
        "{{ config(materialized='table') }}\nselect current_setting('memory_limit') as memory_limit\n"
    )
    home = tmp_path / "home"
    home.mkdir()
    environ = {**os.environ, "SALESPULSE_HOME": str(home), "SALESPULSE_WAREHOUSE": "duckdb"}
    environ |= {
        "SALESPULSE_DUCKDB_MEMORY_LIMIT": "700MB",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    profiles = Path(__file__).resolve().parents[2] / "dbt_project"
    subprocess.run(
        [DBT, "run", "--project-dir", str(project), "--profiles-dir", str(profiles)],
        cwd=project,
        env=environ,
        check=True,
        capture_output=True,
    )
    with duckdb.connect(str(home / "build.duckdb"), read_only=True) as con:
        (limit,) = con.execute("select memory_limit from main.duckdb_limits").fetchone()
    assert limit == "667.5 MiB"  # DuckDB's own rendering of 700 MB


def _file_log_levels(target: Path) -> set[str]:
    """The levels of the lines dbt wrote to its file log (JSON lines)."""
    import json

    lines = (target / "dbt.log").read_text().splitlines()
    return {json.loads(line)["info"]["level"] for line in lines if line.strip()}


@pytest.mark.integration
@pytest.mark.parametrize("chosen", [None, "debug"])
def test_dbts_file_log_is_written_at_the_info_level_unless_chosen(
    quick_project, monkeypatch, chosen
):
    """At dbt's default debug level its file log held every query and connection event (15 MB
    for one nightly step at the demo size, its threads queuing on the file's lock); the steps
    write it at the info level, and DBT_LOG_LEVEL_FILE still chooses."""
    from orchestration.defs.transformation.resource import DbtCoreCliResource, dbt_global_flags

    if chosen:
        monkeypatch.setenv("DBT_LOG_LEVEL_FILE", chosen)
    else:
        monkeypatch.delenv("DBT_LOG_LEVEL_FILE", raising=False)
    resource = DbtCoreCliResource(
        project_dir=str(quick_project), dbt_executable=DBT, global_config_flags=dbt_global_flags()
    )
    target = quick_project / "target"

    assert resource.cli(["run"], target_path=target, raise_on_error=False).wait().is_successful()

    levels = _file_log_levels(target)
    assert "info" in levels
    assert ("debug" in levels) == (chosen == "debug")


@pytest.mark.integration
@pytest.mark.parametrize("chosen", [None, "true"])
def test_the_build_writes_no_json_artifacts_unless_chosen(
    quick_project, tmp_path, monkeypatch, chosen
):
    """Each step wrote the whole manifest twice, the semantic manifest twice, run_results.json
    and graph.gpickle (about 2 s of one core a step) for files nothing reads; dbt's parse state,
    which the next step starts from, is written either way, and DBT_WRITE_JSON still chooses."""
    from orchestration.defs.transformation.assets import dbt_build_args
    from orchestration.defs.transformation.resource import DbtCoreCliResource

    monkeypatch.setenv("SALESPULSE_HOME", str(tmp_path / "home"))
    if chosen:
        monkeypatch.setenv("DBT_WRITE_JSON", chosen)
    else:
        monkeypatch.delenv("DBT_WRITE_JSON", raising=False)
    resource = DbtCoreCliResource(project_dir=str(quick_project), dbt_executable=DBT)
    target = quick_project / "target"

    build = resource.cli(dbt_build_args(), target_path=target, raise_on_error=False).wait()

    assert build.is_successful()
    assert (target / "partial_parse.msgpack").is_file()
    for artifact in ("manifest.json", "semantic_manifest.json", "run_results.json"):
        assert (target / artifact).exists() == bool(chosen), artifact
