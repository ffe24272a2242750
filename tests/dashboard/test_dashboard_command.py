"""`salespulse dashboard`: bad settings fail in one line before anything starts; the server it
starts sends nothing out. (The browser tests start it for real.)"""

import pytest

from dashboard.command import streamlit_command
from orchestration.cli import main


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESPULSE_HOME", str(tmp_path / "warehouse"))
    for name in ("SALESPULSE_DASHBOARD_AUTH_HEADER", "SALESPULSE_DASHBOARD_ROLES_FILE"):
        monkeypatch.delenv(name, raising=False)


def test_a_header_without_a_roles_file_fails_in_one_line(capsys):
    assert main(["dashboard", "--auth-header", "X-Forwarded-Email"]) == 1

    error = capsys.readouterr().err.strip()
    assert error.startswith("salespulse: a sign-in header (X-Forwarded-Email) is set but no roles")
    assert "\n" not in error


def test_an_invalid_roles_file_fails_naming_the_entry(tmp_path, capsys):
    roles = tmp_path / "roles.yml"
    roles.write_text("users:\n  - {email: ada@x.io, role: manager, teams: [5000944]}\n")

    code = main(["dashboard", "--auth-header", "X-Forwarded-Email", "--roles", str(roles)])

    assert code == 1
    error = capsys.readouterr().err
    assert f"salespulse: {roles} is invalid:" in error
    assert "users[1] (ada@x.io): a manager needs `teams`, a list of team ids quoted" in error


def test_a_missing_roles_file_and_a_bad_port_fail(tmp_path, capsys):
    missing = tmp_path / "nowhere.yml"
    assert main(["dashboard", "--auth-header", "X-Auth", "--roles", str(missing)]) == 1
    assert f"roles file {missing} does not exist" in capsys.readouterr().err
    assert main(["dashboard", "--port", "70000"]) == 1
    assert "--port must be between 1 and 65535" in capsys.readouterr().err


def test_help_documents_the_options(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["dashboard", "--help"])

    assert exited.value.code == 0
    usage = capsys.readouterr().out
    for option in ("--port", "--host", "--auth-header", "--roles"):
        assert option in usage


def test_the_server_sends_no_usage_statistics_and_watches_no_files():
    command = streamlit_command(8502, "127.0.0.1")

    options = dict(zip(command[5::2], command[6::2], strict=True))
    assert command[1:4] == ["-m", "streamlit", "run"]
    assert options["--browser.gatherUsageStats"] == "false"
    assert options["--server.fileWatcherType"] == "none"
    assert options["--server.port"] == "8502"
    assert options["--server.address"] == "127.0.0.1"
