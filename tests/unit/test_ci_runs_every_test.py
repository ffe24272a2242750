"""The test-suite budget (issue 11 item 9): the README's test command leaves the slow set out, and
CI runs that command exactly and then the slow set, so every test still runs in CI."""

import re
import shlex
import tomllib

from ingestion import PROJECT_ROOT

README_TEST_COMMAND = (
    "python3 -m pip install --quiet uv==0.13.9 && python3 -m uv run --locked pytest"
)


def _ci_commands() -> list[str]:
    lines = (PROJECT_ROOT / ".ci" / "run").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_the_readme_states_the_test_command_and_how_to_run_the_slow_set():
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert README_TEST_COMMAND in readme
    assert "pytest -m slow" in readme


def test_ci_runs_the_readmes_test_command_exactly_then_the_slow_set():
    commands = _ci_commands()
    assert README_TEST_COMMAND in commands
    slow = [c for c in commands if re.fullmatch(r"python3 -m uv run --locked pytest -m slow", c)]
    assert slow and commands.index(slow[0]) > commands.index(README_TEST_COMMAND)


def test_the_default_run_deselects_the_slow_and_postgres_sets_and_only_them():
    options = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    addopts = shlex.split(options["ini_options"]["addopts"])
    assert addopts[addopts.index("-m") + 1] == "not slow and not postgres"
    assert any(marker.startswith("slow:") for marker in options["ini_options"]["markers"])
    assert any(marker.startswith("postgres:") for marker in options["ini_options"]["markers"])


def test_ci_runs_the_postgres_set_against_a_server_it_starts():
    commands = _ci_commands()
    postgres = "python3 -m uv run --locked pytest -m postgres"
    assert postgres in commands
    exported = [c for c in commands if c.startswith("export DESTINATION__POSTGRES__CREDENTIALS=")]
    assert exported and commands.index(exported[0]) < commands.index(postgres)
    assert commands.index(postgres) > commands.index(README_TEST_COMMAND)
