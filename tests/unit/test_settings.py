"""The deployment settings: one typed object, the only reader of SALESPULSE_*, validated before
any value reaches SQL, with the demo in a warehouse home of its own."""

import ast
import datetime as dt
import os
import subprocess
import sys

import pytest

from salespulse.settings import (
    DBT_POSTGRES_ENV,
    HOME_SETTINGS_FILE,
    PROJECT_ROOT,
    SettingsError,
    load_settings,
)

PRODUCTION_PACKAGES = (
    "ingestion",
    "orchestration",
    "forecasting",
    "dashboard",
    "semantic",
    "alerts",
    "briefings",
)


def test_defaults_are_the_dbt_projects_and_the_default_home():
    settings = load_settings({})

    assert settings.home == PROJECT_ROOT / "warehouse"
    assert settings.sources == ("hubspot",)
    assert settings.dbt_vars_for_run() == {
        "enabled_sources": ["hubspot"],
        "reporting_timezone": "UTC",
        "reporting_currency": "USD",
        "anonymity_threshold": 5,
        "as_of_date": "",
    }
    assert not settings.demo


def test_the_demo_has_a_warehouse_home_of_its_own_unless_one_is_set(tmp_path):
    demo = load_settings({}, demo=True)
    assert demo.home == PROJECT_ROOT / "warehouse" / "demo"
    assert demo.home != load_settings({}).home
    assert demo.sources == ("hubspot", "typeform", "files")
    assert demo.dbt_vars_for_run()["source_id_prefixes"]["files"] == ""

    chosen = load_settings({"SALESPULSE_HOME": str(tmp_path / "mine")}, demo=True)
    assert chosen.home == tmp_path / "mine"


def test_environment_values_are_typed_and_validated(tmp_path):
    settings = load_settings(
        {
            "SALESPULSE_HOME": str(tmp_path / "relative" / ".." / "home"),
            "SALESPULSE_SOURCES": "files, HubSpot",
            "SALESPULSE_REPORTING_CURRENCY": "eur",
            "SALESPULSE_ANONYMITY_THRESHOLD": "7",
            "SALESPULSE_AS_OF_DATE": "2026-06-30",
            "SALESPULSE_REPORTING_TIMEZONE": "Europe/Berlin",
            "SALESPULSE_DBT_VARS": '{"fiscal_year_start_month": 2}',
        }
    )

    assert settings.home == tmp_path / "home"
    assert settings.sources == ("files", "hubspot")
    assert settings.as_of_date == dt.date(2026, 6, 30)
    assert settings.dbt_vars_for_run() == {
        "fiscal_year_start_month": 2,
        "enabled_sources": ["files", "hubspot"],
        "reporting_timezone": "Europe/Berlin",
        "reporting_currency": "EUR",
        "anonymity_threshold": 7,
        "as_of_date": "2026-06-30",
    }


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        # "five" used to reach dbt, where `| int` made it 0: suppression silently off.
        (
            {"SALESPULSE_ANONYMITY_THRESHOLD": "five"},
            "SALESPULSE_ANONYMITY_THRESHOLD: must be a whole",
        ),
        ({"SALESPULSE_ANONYMITY_THRESHOLD": "2"}, "must be at least 3"),
        ({"SALESPULSE_ANONYMITY_THRESHOLD": "4.5"}, "whole number"),
        (
            {"SALESPULSE_DBT_VARS": '{"anonymity_threshold": "five"}'},
            "anonymity_threshold in SALESPULSE_DBT_VARS",
        ),
        ({"SALESPULSE_REPORTING_CURRENCY": "US Dollar"}, "three-letter"),
        ({"SALESPULSE_REPORTING_CURRENCY": "USD'; drop table x; --"}, "three-letter"),
        ({"SALESPULSE_DBT_VARS": '{"reporting_currency": "dollars"}'}, "three-letter"),
        ({"SALESPULSE_REPORTING_TIMEZONE": "Mars/Olympus"}, "IANA time zone"),
        ({"SALESPULSE_SOURCES": "hubspot,salesforce"}, "unknown sources ['salesforce']"),
        ({"SALESPULSE_SOURCES": " , "}, "at least one source"),
        ({"SALESPULSE_SOURCE": "files"}, "unknown setting SALESPULSE_SOURCE;"),
        ({"SALESPULSE_AS_OF_DATE": "30/06/2026"}, "SALESPULSE_AS_OF_DATE"),
        ({"SALESPULSE_INTRADAY_INTERVAL_MINUTES": "7"}, "must divide an hour"),
        ({"SALESPULSE_DBT_VARS": "{not json"}, "not JSON"),
        ({"SALESPULSE_DBT_VARS": '{"fiscal_year_start_month": 13}'}, "from 1 to 12"),
        ({"SALESPULSE_DBT_VARS": '{"fiscal_yaer_start_month": 2}'}, "not vars of the dbt project"),
        ({"SALESPULSE_DBT_VARS": '{"enabled_sources": ["files"]}'}, "SALESPULSE_SOURCES"),
        ({"SALESPULSE_WAREHOUSE": "postgres"}, "SALESPULSE_WAREHOUSE"),
        ({"SALESPULSE_DEMO": "maybe"}, "true or false"),
        ({"SALESPULSE_DUCKDB_MEMORY_LIMIT": "2 gigs"}, "a size DuckDB reads, such as 1GB"),
        ({"SALESPULSE_DUCKDB_MEMORY_LIMIT": "1GB'; drop table x"}, "a size DuckDB reads"),
    ],
)
def test_a_bad_value_fails_with_one_line_naming_the_setting(environ, message):
    with pytest.raises(SettingsError) as raised:
        load_settings(environ)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_home_file_configures_everything_that_points_at_the_home(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / HOME_SETTINGS_FILE).write_text('demo = true\nreporting_currency = "GBP"\n')

    settings = load_settings({"SALESPULSE_HOME": str(home)})
    assert settings.demo and settings.sources == ("hubspot", "typeform", "files")
    assert settings.reporting_currency == "GBP"
    # The environment wins over the file.
    overridden = load_settings({"SALESPULSE_HOME": str(home), "SALESPULSE_SOURCES": "hubspot"})
    assert overridden.sources == ("hubspot",)

    (home / HOME_SETTINGS_FILE).write_text("anonymity_threshold = 1\n")
    with pytest.raises(SettingsError, match=r"anonymity_threshold in .*salespulse.toml"):
        load_settings({"SALESPULSE_HOME": str(home)})


def test_the_dashboards_sign_in_settings_are_settings_like_the_others(tmp_path):
    """SALESPULSE_DASHBOARD_* are read here too: set for the dashboard, they must not make
    every other command refuse them as unknown, and the dashboard takes them from here."""
    from dashboard.access import AccessSettings

    roles = tmp_path / "roles.yml"
    environ = {
        "SALESPULSE_HOME": str(tmp_path),
        "SALESPULSE_DASHBOARD_AUTH_HEADER": " X-Forwarded-Email ",
        "SALESPULSE_DASHBOARD_ROLES_FILE": str(roles),
    }

    settings = load_settings(environ)
    assert settings.dashboard_auth_header == "X-Forwarded-Email"
    assert settings.dashboard_roles_file == roles
    access = AccessSettings.from_env(environ)
    assert (access.header, access.roles_file) == ("X-Forwarded-Email", roles.resolve())
    assert load_settings({"SALESPULSE_DASHBOARD_AUTH_HEADER": " "}).dashboard_auth_header is None


def test_the_kpi_alert_rule_file_and_its_webhook_are_settings_like_the_others(tmp_path):
    """SALESPULSE_ALERT_RULES is read here too (else every other command refused it as
    unknown), and a rule file's env:SALESPULSE_ALERT_WEBHOOK_URL comes through the settings."""
    from alerts.rules import DEFAULT_RULES_PATH, rules_path

    rules = tmp_path / "rules.yml"
    assert load_settings({"SALESPULSE_ALERT_RULES": str(rules)}).alert_rules == rules
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SALESPULSE_ALERT_RULES", raising=False)
        assert rules_path() == DEFAULT_RULES_PATH
        patch.setenv("SALESPULSE_ALERT_RULES", str(rules))
        assert rules_path() == rules


def test_export_hands_the_resolved_home_to_child_processes(tmp_path):
    environ: dict[str, str] = {}
    load_settings({"SALESPULSE_HOME": str(tmp_path)}, demo=True).export(environ)
    assert environ == {
        "SALESPULSE_HOME": str(tmp_path),
        "SALESPULSE_WAREHOUSE": "duckdb",
        "SALESPULSE_DUCKDB_MEMORY_LIMIT": "1GB",
        "SALESPULSE_SOURCES": "hubspot,typeform,files",
        "SALESPULSE_DEMO": "true",
    }
    assert load_settings(environ).demo


POSTGRES_URL = "postgresql://bi%40team:s3cr%2Ft@db.example.com:6543/sales"


def test_postgres_is_chosen_by_setting_and_connected_by_dlts_own_credentials(tmp_path, monkeypatch):
    """One connection string, dlt's DESTINATION__POSTGRES__CREDENTIALS, parsed once: dbt's
    profile reads its parts from the environment the settings export."""
    environ = {
        "SALESPULSE_HOME": str(tmp_path),
        "SALESPULSE_WAREHOUSE": "postgres",
        "DESTINATION__POSTGRES__CREDENTIALS": POSTGRES_URL,
    }
    settings = load_settings(environ)
    assert settings.warehouse == "postgres"
    exported = dict(environ)
    settings.export(exported)
    assert {name: exported[name] for name in DBT_POSTGRES_ENV.values()} == {
        "SALESPULSE_DBT_POSTGRES_HOST": "db.example.com",
        "SALESPULSE_DBT_POSTGRES_PORT": "6543",
        "SALESPULSE_DBT_POSTGRES_USER": "bi@team",
        "SALESPULSE_DBT_POSTGRES_PASSWORD": "s3cr/t",
        "SALESPULSE_DBT_POSTGRES_DATABASE": "sales",
    }
    assert exported["PGTZ"] == "UTC"
    # The exported environment is a valid one for the next process: no unknown SALESPULSE_*.
    assert load_settings(exported).warehouse == "postgres"
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", POSTGRES_URL)
    assert "postgres://db.example.com:6543/sales" in settings.describe()
    assert "s3cr" not in settings.describe()


def test_the_warehouse_in_the_home_file_reaches_dbt(tmp_path):
    (tmp_path / HOME_SETTINGS_FILE).write_text('warehouse = "postgres"\n')
    environ = {"SALESPULSE_HOME": str(tmp_path), "DESTINATION__POSTGRES__CREDENTIALS": POSTGRES_URL}
    exported = dict(environ)
    load_settings(environ).export(exported)
    assert exported["SALESPULSE_WAREHOUSE"] == "postgres"


@pytest.mark.parametrize(
    ("credentials", "message"),
    [
        (
            None,
            "SALESPULSE_WAREHOUSE=postgres needs the connection string in "
            "DESTINATION__POSTGRES__CREDENTIALS",
        ),
        ("mysql://u:p@h/db", "DESTINATION__POSTGRES__CREDENTIALS must read postgresql://"),
        ("postgresql://u:p@h:5432", "DESTINATION__POSTGRES__CREDENTIALS must read postgresql://"),
    ],
)
def test_postgres_without_a_usable_connection_string_fails_in_one_line(
    tmp_path, monkeypatch, credentials, message
):
    monkeypatch.chdir(tmp_path)  # no .dlt/secrets.toml here either
    environ = {"SALESPULSE_HOME": str(tmp_path), "SALESPULSE_WAREHOUSE": "postgres"}
    if credentials is not None:
        environ["DESTINATION__POSTGRES__CREDENTIALS"] = credentials
    with pytest.raises(SettingsError) as error:
        load_settings(environ)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_an_unknown_warehouse_is_refused(tmp_path):
    with pytest.raises(SettingsError, match="SALESPULSE_WAREHOUSE"):
        load_settings({"SALESPULSE_HOME": str(tmp_path), "SALESPULSE_WAREHOUSE": "oracle"})


def _is_environ(node: ast.AST) -> bool:
    """`os.environ` or a bare `environ`."""
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


def _salespulse_name(node: ast.AST | None) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith("SALESPULSE_")
    )


def _environment_uses(tree: ast.AST) -> list[int]:
    """Lines that read or set a SALESPULSE_ variable: environ[...], environ.get/pop/setdefault,
    os.getenv, environ.update(SALESPULSE_...=...)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_environ(node.value):
            if _salespulse_name(node.slice):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            reads_environ = _is_environ(node.func.value) or node.func.attr == "getenv"
            if reads_environ and node.args and _salespulse_name(node.args[0]):
                lines.append(node.lineno)
            if reads_environ and any(
                (keyword.arg or "").startswith("SALESPULSE_") for keyword in node.keywords
            ):
                lines.append(node.lineno)
    return lines


def test_only_the_settings_module_reads_salespulse_variables():
    """The CLI, the Dagster code location, ingestion and the forecast all take their settings
    from salespulse.settings; no module reads or sets a SALESPULSE_ variable itself."""
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}:{line}"
        for package in PRODUCTION_PACKAGES
        for path in sorted((PROJECT_ROOT / package).rglob("*.py"))
        for line in _environment_uses(ast.parse(path.read_text()))
    ]
    assert offenders == []


def test_every_setting_is_documented_in_the_operations_guide():
    guide = (PROJECT_ROOT / "docs" / "operations.md").read_text()
    from salespulse.settings import Settings, env_name

    missing = [env_name(name) for name in Settings.model_fields if env_name(name) not in guide]
    assert missing == []


def test_the_known_sources_are_the_pipelines_sources():
    from ingestion.pipelines import SOURCES
    from salespulse.settings import KNOWN_SOURCES

    assert set(SOURCES) == set(KNOWN_SOURCES)


def test_the_settings_load_without_dagster_dlt_or_duckdb():
    """Every layer reads the settings, ingestion (which never imports Dagster) among them."""
    probe = (
        "import sys, salespulse.settings as s; s.load_settings({}); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'dagster', 'dlt', 'dagster_dbt', 'dagster_dlt', 'duckdb', 'dbt'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_connection_can_live_in_dlts_secrets_file_instead(tmp_path):
    """dlt's .dlt/secrets.toml, as a table of parts: read by dlt's own configuration."""
    (tmp_path / ".dlt").mkdir()
    (tmp_path / ".dlt" / "secrets.toml").write_text(
        "[destination.postgres.credentials]\n"
        'host = "db.example.com"\nport = 6543\nusername = "bi@team"\n'
        'password = "s3cr/t"\ndatabase = "sales"\n'
    )
    probe = (
        "from salespulse.settings import load_settings; "
        f"s = load_settings({{'SALESPULSE_HOME': {str(tmp_path)!r}, "
        "'SALESPULSE_WAREHOUSE': 'postgres'}); c = s.postgres({}); "
        "print(c.host, c.port, c.user, c.password, c.database)"
    )
    env = {k: v for k, v in os.environ.items() if k != "DESTINATION__POSTGRES__CREDENTIALS"}
    env["DLT_PROJECT_DIR"] = str(tmp_path)  # where dlt looks for .dlt/
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["db.example.com", "6543", "bi@team", "s3cr/t", "sales"]


def test_the_memory_limit_bounds_dlts_duckdb_loader_too(tmp_path, monkeypatch):
    from ingestion.pipelines import build_destination

    monkeypatch.setenv("SALESPULSE_HOME", str(tmp_path))
    monkeypatch.setenv("SALESPULSE_DUCKDB_MEMORY_LIMIT", "1536MB")
    credentials = build_destination().config_params["credentials"]
    assert credentials.global_config == {
        "preserve_insertion_order": False,
        "memory_limit": "1536MB",
    }
