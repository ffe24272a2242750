"""The `salespulse` command's own behaviour, in-process and quick: its help and version, commands
that only read, one command at a time per warehouse, a log of its own for each run, and an
ingest summary that says what was set aside."""

import argparse
import threading
import time
from pathlib import Path

import pytest

from orchestration import cli, run_lock
from orchestration.run_lock import exclusive_run
from simulator.cli import build_parser as simulator_parser


def _subparsers(parser: argparse.ArgumentParser):
    """Every parser reachable from `parser`, itself included."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from _subparsers(child)


@pytest.mark.parametrize(
    "parser", [cli._parser(), simulator_parser("salespulse")], ids=["salespulse", "demo-commands"]
)
def test_every_option_has_help_that_shows_its_default(parser):
    undocumented = []
    for sub in _subparsers(parser):
        formatter = sub._get_formatter()
        for action in sub._actions:
            if not action.option_strings or isinstance(
                action, argparse._HelpAction | argparse._VersionAction
            ):
                continue
            text = formatter._expand_help(action) if action.help else ""
            if action.required:
                continue
            if "default" not in text.lower():
                undocumented.append(f"{sub.prog} {action.option_strings[0]}: {text!r}")
    assert undocumented == []


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == "salespulse 0.1.0"


@pytest.mark.parametrize(
    ("argv", "usage"),
    [
        (["demo-api", "--help"], "usage: salespulse demo-api"),
        (["simulate", "export", "--help"], "usage: salespulse simulate export"),
    ],
)
def test_the_demo_commands_usage_names_salespulse(argv, usage, capsys):
    with pytest.raises(SystemExit):
        cli.main(argv)
    out = capsys.readouterr().out
    assert out.startswith(usage) and "simulator" not in out.split("\n")[0]


def test_a_demo_command_error_names_salespulse(capsys):
    assert cli.main(["demo-api", "--scale", "huge"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("salespulse: error:") and err.count("\n") == 1


def test_status_of_a_missing_home_fails_in_one_line_and_creates_nothing(
    tmp_path, monkeypatch, capsys
):
    home = tmp_path / "nowhere"
    monkeypatch.setenv("SALESPULSE_HOME", str(home))

    assert cli.main(["status"]) == 1

    err = capsys.readouterr().err
    assert (
        err
        == f"salespulse: no warehouse at {home}: run `salespulse run` first, or set SALESPULSE_HOME\n"
    )
    assert not home.exists()


def test_status_only_reads(tmp_path, monkeypatch, capsys):
    home = tmp_path / "warehouse"
    home.mkdir()
    monkeypatch.setenv("SALESPULSE_HOME", str(home))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)

    assert cli.main(["status"]) == 0

    out = capsys.readouterr().out
    assert "Nothing published yet" in out and "No run yet" in out
    assert list(home.iterdir()) == []


def _deals_export(folder: Path, rows: int, bad: int) -> Path:
    """A deals export of `rows` rows, `bad` of them with a creation date that does not parse."""
    lines = ["id,owner,stage,created,amount"]
    for n in range(rows):
        created = "31/01/2024" if n < bad else "2024-01-31"
        lines.append(f"D{n},Ann,Won,{created},{100 + n}")
    (folder / "deals.csv").write_text("\n".join(lines) + "\n")
    mapping = folder / "mapping.yml"
    mapping.write_text(
        "version: 1\nbase_dir: .\nentities:\n  deals:\n    file: deals.csv\n    fields:\n"
        "      deal_id: id\n      owner_rep_id: owner\n      stage_id: stage\n"
        "      status: {column: stage, values: {Won: won}}\n"
        "      created_at: {column: created, format: '%Y-%m-%d'}\n"
        "      amount: amount\n      currency: {constant: USD}\n"
    )
    return mapping


def test_ingest_says_how_many_rows_were_set_aside_and_where(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SALESPULSE_HOME", str(tmp_path / "warehouse"))
    mapping = _deals_export(tmp_path, rows=18, bad=7)

    assert cli.main(["ingest", "files", "--mapping", str(mapping)]) == 0

    out = capsys.readouterr().out
    assert "7 of 18 rows set aside (files: 7 quarantined)" in out
    table = [line.split() for line in out.splitlines() if line.strip().startswith("files ")]
    assert table == [["files", "18", "11", "7", "0"]]
    assert "raw_files.quarantine" in out


def test_a_second_command_on_the_same_warehouse_refuses_naming_the_first(
    tmp_path, monkeypatch, capsys
):
    home = tmp_path / "warehouse"
    monkeypatch.setenv("SALESPULSE_HOME", str(home))
    mapping = _deals_export(tmp_path, rows=3, bad=0)

    with exclusive_run(home, "salespulse run --demo", log_path=home / "logs" / "x.log"):
        started = time.monotonic()
        assert cli.main(["ingest", "files", "--mapping", str(mapping)]) == 1
        refused_after = time.monotonic() - started

    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "`salespulse run --demo` (pid" in err and "is already running" in err
    assert "--wait" in err and str(home / "logs" / "x.log") in err
    assert refused_after < 30  # at once, not after a load
    assert not (home / "build.duckdb").exists()


def test_with_wait_a_second_command_starts_when_the_first_ends(tmp_path, monkeypatch, capsys):
    home = tmp_path / "warehouse"
    monkeypatch.setenv("SALESPULSE_HOME", str(home))
    mapping = _deals_export(tmp_path, rows=3, bad=0)
    holding, release = threading.Event(), threading.Event()

    def first_command():
        with exclusive_run(home, "salespulse ingest hubspot"):
            holding.set()
            release.wait(timeout=60)

    # The first command ends once the second is waiting for it (a fixed delay could end it
    # before a slow machine's second command even asks).
    waiting = run_lock._waiting

    def waiting_then_release(path):
        for tick in waiting(path):
            release.set()
            yield tick

    monkeypatch.setattr(run_lock, "_waiting", waiting_then_release)
    first = threading.Thread(target=first_command)
    first.start()
    holding.wait(timeout=10)
    try:
        assert cli.main(["ingest", "files", "--mapping", str(mapping), "--wait"]) == 0
    finally:
        release.set()
        first.join()
    assert "Waiting for `salespulse ingest hubspot`" in capsys.readouterr().err


def test_two_runs_started_in_the_same_second_log_to_different_files(tmp_path):
    first = cli._create_log(cli._new_log_path(tmp_path, "nightly_refresh"))
    second = cli._create_log(cli._new_log_path(tmp_path, "nightly_refresh"))

    assert first != second and first.exists() and second.exists()
    assert len(list(tmp_path.iterdir())) == 2


def test_a_bad_setting_fails_in_one_line_before_anything_is_created(tmp_path, monkeypatch, capsys):
    home = tmp_path / "warehouse"
    monkeypatch.setenv("SALESPULSE_HOME", str(home))
    monkeypatch.setenv("SALESPULSE_ANONYMITY_THRESHOLD", "five")

    assert cli.main(["run"]) == 1

    assert capsys.readouterr().err == (
        "salespulse: SALESPULSE_ANONYMITY_THRESHOLD: must be a whole number of responses, "
        "not 'five'\n"
    )
    assert not home.exists()


def test_a_source_is_never_loaded_into_the_demos_warehouse(tmp_path, monkeypatch, capsys):
    home = tmp_path / "warehouse" / "demo"
    home.mkdir(parents=True)
    (home / "salespulse.toml").write_text("demo = true\n")
    monkeypatch.setenv("SALESPULSE_HOME", str(home))
    mapping = _deals_export(tmp_path, rows=3, bad=0)

    assert cli.main(["ingest", "files", "--mapping", str(mapping)]) == 1

    assert "is the demo's warehouse" in capsys.readouterr().err
    assert not (home / "build.duckdb").exists()


def test_a_secrets_file_readable_by_others_is_reported_with_the_fix(tmp_path, capsys):
    secrets = tmp_path / ".dlt" / "secrets.toml"
    secrets.parent.mkdir()
    secrets.write_text('[sources.hubspot]\naccess_token = "pat-na1-123"\n')
    secrets.chmod(0o644)  # as `cp secrets.toml.example secrets.toml` leaves it

    warning = cli.warn_if_secrets_are_readable_by_others(tmp_path)

    assert warning and f"chmod 600 {secrets}" in capsys.readouterr().err
    assert "pat-na1-123" not in warning
    secrets.chmod(0o600)
    assert cli.warn_if_secrets_are_readable_by_others(tmp_path) is None


def test_the_demo_scales_are_the_simulators():
    from simulator.scales import SCALES

    assert tuple(SCALES) == cli.DEMO_SCALES
    assert cli._parser().parse_args(["run", "--demo", "--scale", "tiny"]).demo_scale == "tiny"
    # The earlier spelling still works.
    assert cli._parser().parse_args(["run", "--demo", "--demo-scale", "medium"]).demo_scale == (
        "medium"
    )


def test_an_unknown_scale_fails_with_the_choices(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["run", "--demo", "--scale", "huge"])
    assert exit_.value.code == 2
    assert "choose from 'tiny', 'small', 'medium', 'large'" in capsys.readouterr().err


def test_a_scale_without_the_demo_fails_before_anything_is_created(tmp_path, monkeypatch, capsys):
    home = tmp_path / "warehouse"
    monkeypatch.setenv("SALESPULSE_HOME", str(home))

    assert cli.main(["run", "--scale", "tiny"]) == 1

    assert "use it with --demo" in capsys.readouterr().err
    assert not home.exists()


def test_a_demo_home_that_loaded_another_demo_company_is_reloaded_whole(tmp_path, monkeypatch):
    from orchestration.demo_company import demo_company_changes, demo_files
    from salespulse.settings import load_settings
    from simulator import generate_company
    from simulator.exports import export

    monkeypatch.setenv("SALESPULSE_HOME", str(tmp_path / "demo"))
    settings = load_settings(demo=True)
    exports = Path(demo_files(settings)["base_dir"])
    assert demo_company_changes(settings, seed=42, scale="tiny") == ""  # nothing loaded yet

    company = generate_company(seed=42, scale="tiny")
    export(company, exports, "parquet", tables=["quotas", "fx_rates"], with_truth=False)

    assert demo_company_changes(settings, seed=42, scale="tiny") == ""
    assert demo_company_changes(settings, seed=42, scale="small") == (
        "the tiny demo company (seed 42)"
    )
    assert demo_company_changes(settings, seed=7, scale="tiny") != ""
