"""SalesPulse's deployment settings: one typed, validated object, and the only reader of the
`SALESPULSE_*` environment variables.

Where a setting comes from, first match wins:
1. the environment variable `SALESPULSE_<NAME>`;
2. the warehouse home's `salespulse.toml` (`<name> = value`; `salespulse run --demo` writes
   `demo = true` into the demo's home, so `dagster dev` and `salespulse status` pointed at that
   home see the demo's settings);
3. the demo's defaults when the demo is on (`--demo`, `SALESPULSE_DEMO` or the home's file);
4. the defaults: `dbt_project/dbt_project.yml`'s vars for what the marts share, else below.

The command line and the Dagster code location call `load_settings()` once and `export()` the
result, so dbt (which reads `SALESPULSE_HOME` in profiles.yml) and every child process see the
same warehouse. Values that reach SQL are validated here, and again by dbt's
`validate_salespulse_vars` macro, since dbt can also be run by hand with `--vars`.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_FILE = PROJECT_ROOT / "dbt_project" / "dbt_project.yml"

ENV_PREFIX = "SALESPULSE_"
HOME_SETTINGS_FILE = "salespulse.toml"
KNOWN_SOURCES = ("hubspot", "typeform", "files")
SourceName = Literal["hubspot", "typeform", "files"]

WarehouseKind = Literal["duckdb", "postgres"]
# dlt's own setting for the PostgreSQL destination's connection string (or `credentials` under
# [destination.postgres] in .dlt/secrets.toml): the one place the server warehouse is named.
POSTGRES_CREDENTIALS_ENV = "DESTINATION__POSTGRES__CREDENTIALS"
# The environment the dbt profile's postgres target reads (profiles.yml). Not DBT_ENV_SECRET_*:
# dbt replaces such a value wherever it appears in its events, so a password that is also a
# substring of a model's name ("sales") corrupts the unique ids Dagster reads from them.
DBT_POSTGRES_ENV = {
    "host": "SALESPULSE_DBT_POSTGRES_HOST",
    "port": "SALESPULSE_DBT_POSTGRES_PORT",
    "user": "SALESPULSE_DBT_POSTGRES_USER",
    "password": "SALESPULSE_DBT_POSTGRES_PASSWORD",
    "database": "SALESPULSE_DBT_POSTGRES_DATABASE",
}

BUILD_FILE = "build.duckdb"
SERVING_FILE = "serving.duckdb"

# The demo company serves HubSpot and Typeform, and hands its quota plan and FX rates over as
# files. Its quota plan names reps by their HubSpot ids, so the files source's ids take no prefix.
DEMO_SOURCES = ("hubspot", "typeform", "files")
DEMO_DBT_VARS = {"source_id_prefixes": {"hubspot": "", "typeform": "", "files": ""}}

CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
DUCKDB_MEMORY_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(B|[KMGT]i?B)", re.IGNORECASE)
MIN_ANONYMITY_THRESHOLD = 3


class SettingsError(ValueError):
    """A setting is missing, unknown or invalid; the message names it and says what it takes."""


@cache
def _dbt_defaults() -> dict[str, Any]:
    """dbt_project.yml's vars: the documented defaults of every setting the marts share."""
    return yaml.safe_load(DBT_PROJECT_FILE.read_text())["vars"]


class PostgresConnection(BaseModel):
    """Where the PostgreSQL warehouse is, parsed once from dlt's connection string."""

    model_config = ConfigDict(frozen=True)

    host: str
    port: int = 5432
    user: str
    password: str = Field(default="", repr=False)
    database: str

    @classmethod
    def from_url(cls, url: str) -> PostgresConnection:
        """`postgresql://user:password@host:port/database` (dlt's form; `postgres://` too)."""
        parts = urlsplit(url.strip())
        if parts.scheme not in ("postgresql", "postgres") or not parts.path.strip("/"):
            raise SettingsError(
                f"{POSTGRES_CREDENTIALS_ENV} must read postgresql://user:password@host:port/"
                "database"
            )
        try:
            port = parts.port or 5432
        except ValueError:
            raise SettingsError(f"{POSTGRES_CREDENTIALS_ENV} has an invalid port") from None
        return cls(
            host=unquote(parts.hostname or "localhost"),
            port=port,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            database=unquote(parts.path.strip("/")),
        )

    def url(self) -> str:
        """The connection string, dlt's form (the inverse of from_url)."""
        user = f"{quote(self.user, safe='')}:{quote(self.password, safe='')}"
        return f"postgresql://{user}@{self.host}:{self.port}/{quote(self.database, safe='')}"

    @property
    def where(self) -> str:
        """The server and database, for messages (never the password)."""
        return f"postgres://{self.host}:{self.port}/{self.database}"

    def psycopg_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of psycopg2.connect (sessions in UTC, as dbt's profile sets)."""
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "dbname": self.database,
            "options": "-c TimeZone=UTC",
        }


def postgres_connection_url(environ: Mapping[str, str] | None = None) -> str | None:
    """dlt's PostgreSQL connection string: its environment variable, else .dlt/secrets.toml."""
    environ = os.environ if environ is None else environ
    url = environ.get(POSTGRES_CREDENTIALS_ENV, "").strip()
    if url:
        return url
    import dlt  # only a PostgreSQL deployment without the variable needs dlt's secrets

    configured = dlt.secrets.get("destination.postgres.credentials")
    if isinstance(configured, Mapping):  # [destination.postgres.credentials] as a table
        return PostgresConnection(
            host=configured.get("host", "localhost"),
            port=int(configured.get("port", 5432)),
            user=configured.get("username", ""),
            password=configured.get("password", ""),
            database=configured.get("database", ""),
        ).url()
    return (str(configured).strip() or None) if configured else None


class Settings(BaseModel):
    """Everything a SalesPulse deployment is configured with (no secrets: those are dlt's)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Where the warehouse files live (absolute).
    home: Path
    # The bundled demo company instead of the real sources.
    demo: bool = False
    # The warehouse engine: DuckDB files in the home, or a PostgreSQL server named by dlt's
    # DESTINATION__POSTGRES__CREDENTIALS (the home then keeps only dlt's state and the logs).
    warehouse: WarehouseKind = "duckdb"
    # The sources this deployment loads; each is a dlt dataset raw_<source> and a dbt source.
    sources: tuple[SourceName, ...] = ("hubspot",)
    reporting_timezone: str = "UTC"
    reporting_currency: str = "USD"
    anonymity_threshold: int = 5
    # The last day the marts report on; None is today in the reporting time zone.
    as_of_date: date | None = None
    # Any other dbt var (documented in dbt_project.yml).
    dbt_vars: dict[str, Any] = {}
    intraday_interval_minutes: int = 60
    alert_webhook_url: str | None = None
    # The KPI alert rule file; None is the shipped alerts/default_rules.yml.
    alert_rules: Path | None = None
    retry_base_seconds: float = 30.0
    # How much memory DuckDB may hold while dlt loads and dbt builds the DuckDB warehouse
    # (DuckDB's `memory_limit`: it spills to disk beyond it). DuckDB's default is 80 % of the
    # machine; the build shares its machine with Dagster and the readers.
    duckdb_memory_limit: str = "1GB"
    # How many models dbt builds at once; None chooses by the DuckDB warehouse's size
    # (orchestration/defs/transformation/threads.py), a PostgreSQL warehouse takes the profile's.
    dbt_threads: int | None = None
    # The dashboard's sign-in: the header an authenticating proxy sets and the roles file
    # (docs/dashboard.md); neither is the local demo's open mode.
    dashboard_auth_header: str | None = None
    dashboard_roles_file: Path | None = None

    @field_validator("sources", mode="before")
    @classmethod
    def _split_sources(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [name.strip().lower() for name in value.split(",") if name.strip()]
        if not value:
            raise ValueError(f"name at least one source of {', '.join(KNOWN_SOURCES)}")
        unknown = sorted(set(value) - set(KNOWN_SOURCES))
        if unknown:
            raise ValueError(f"unknown sources {unknown}; choose from {', '.join(KNOWN_SOURCES)}")
        return tuple(dict.fromkeys(value))  # in the order given, once each

    @field_validator(
        "dashboard_auth_header",
        "dashboard_roles_file",
        "alert_rules",
        "alert_webhook_url",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("reporting_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"not an IANA time zone name: {value!r}") from None
        return value

    @field_validator("reporting_currency", mode="before")
    @classmethod
    def _currency_code(cls, value: Any) -> str:
        code = str(value).strip().upper()
        if not CURRENCY_CODE.match(code):
            raise ValueError(f"must be a three-letter ISO 4217 code such as USD, not {value!r}")
        return code

    @field_validator("anonymity_threshold", mode="before")
    @classmethod
    def _whole_number_of_responses(cls, value: Any) -> int:
        text = str(value).strip()
        if isinstance(value, bool) or not re.fullmatch(r"\d+", text):
            raise ValueError(f"must be a whole number of responses, not {value!r}")
        if int(text) < MIN_ANONYMITY_THRESHOLD:
            raise ValueError(
                f"must be at least {MIN_ANONYMITY_THRESHOLD} (fewer lets a reader single out "
                f"one person's answer), not {int(text)}"
            )
        return int(text)

    @field_validator("intraday_interval_minutes")
    @classmethod
    def _fits_the_clock(cls, minutes: int) -> int:
        if minutes <= 0 or (minutes < 60 and 60 % minutes) or (minutes >= 60 and minutes % 60):
            raise ValueError(
                "must divide an hour (5, 10, 15, 20, 30) or be whole hours (60, 120, ...), "
                f"not {minutes}"
            )
        return minutes

    @field_validator("duckdb_memory_limit", mode="before")
    @classmethod
    def _memory_size(cls, value: Any) -> str:
        text = str(value).strip()
        if not DUCKDB_MEMORY_SIZE.fullmatch(text):
            raise ValueError(f"must be a size DuckDB reads, such as 1GB or 1536MB, not {value!r}")
        return text

    @field_validator("dbt_threads", mode="before")
    @classmethod
    def _threads(cls, value: Any) -> Any:
        return None if str(value).strip().lower() in ("auto", "") else value

    @field_validator("dbt_threads")
    @classmethod
    def _at_least_one_thread(cls, threads: int | None) -> int | None:
        if threads is not None and threads < 1:
            raise ValueError(f"must be 1 or more (or auto), not {threads}")
        return threads

    @field_validator("retry_base_seconds")
    @classmethod
    def _not_negative(cls, seconds: float) -> float:
        if seconds < 0:
            raise ValueError(f"must not be negative, not {seconds}")
        return seconds

    # Paths. Every consumer (dlt, dbt, Dagster, readers) derives its files from these.
    @property
    def duckdb_memory_limit_bytes(self) -> int:
        """The memory limit in bytes, read as DuckDB reads it (KB = 1000, KiB = 1024)."""
        match = DUCKDB_MEMORY_SIZE.fullmatch(self.duckdb_memory_limit)
        number, unit = float(match.group(1)), match.group(2).upper()
        base = 1024 if "I" in unit else 1000
        return int(number * base ** "BKMGT".index(unit[0]))

    @property
    def build_path(self) -> Path:
        """The DuckDB file that ingestion and dbt write; only the pipeline opens it."""
        return self.home / BUILD_FILE

    @property
    def serving_path(self) -> Path:
        """The DuckDB file that readers open read-only; replaced only by publish."""
        return self.home / SERVING_FILE

    @property
    def parquet_path(self) -> Path:
        """The published marts as Parquet: a link that publish switches to each new folder."""
        return self.home / "parquet"

    @property
    def dlt_pipelines_dir(self) -> Path:
        """dlt's local pipeline state, beside the warehouse instead of the home directory."""
        return self.home / "dlt_pipelines"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def dagster_home(self) -> Path:
        """The Dagster instance the `salespulse` command uses unless DAGSTER_HOME is set."""
        return self.home / "dagster"

    def ensure_home(self) -> Path:
        """The home folder, created readable by its owner only if new: the build warehouse
        holds contact names and e-mails."""
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.home

    def reporting_day(self, now: datetime | None = None) -> date:
        """The last day the marts report on: `as_of_date`, else today in the reporting time
        zone, as dbt's `as_of_date()` macro resolves it (Python steps such as the forecast must
        agree with the marts on the day)."""
        if self.as_of_date:
            return self.as_of_date
        zone = ZoneInfo(self.reporting_timezone)
        return (now.astimezone(zone) if now else datetime.now(zone)).date()

    def dbt_vars_for_run(self) -> dict[str, Any]:
        """The dbt vars every dbt invocation of this deployment passes: the settings the marts
        share, then any other var (SALESPULSE_DBT_VARS)."""
        shared = {
            "enabled_sources": list(self.sources),
            "reporting_timezone": self.reporting_timezone,
            "reporting_currency": self.reporting_currency,
            "anonymity_threshold": self.anonymity_threshold,
            "as_of_date": self.as_of_date.isoformat() if self.as_of_date else "",
        }
        return {**self.dbt_vars, **shared}

    def postgres(self, environ: Mapping[str, str] | None = None) -> PostgresConnection:
        """The PostgreSQL warehouse, from dlt's connection string; SettingsError without one."""
        url = postgres_connection_url(environ)
        if not url:
            raise SettingsError(
                f"{env_name('warehouse')}=postgres needs the connection string in "
                f"{POSTGRES_CREDENTIALS_ENV} (or .dlt/secrets.toml), e.g. "
                "postgresql://user:password@host:5432/database"
            )
        return PostgresConnection.from_url(url)

    def export(self, environ: dict[str, str] | None = None) -> None:
        """Hand the resolved warehouse to child processes (dbt reads SALESPULSE_HOME, the
        warehouse kind and the PostgreSQL connection in profiles.yml, and the as-of day) and to
        later `load_settings()` calls in this process."""
        environ = os.environ if environ is None else environ
        environ[f"{ENV_PREFIX}HOME"] = str(self.home)
        environ[env_name("warehouse")] = self.warehouse
        environ[env_name("duckdb_memory_limit")] = self.duckdb_memory_limit
        # dbt_project.yml's source switches fall back to SALESPULSE_SOURCES, and dbt parses the
        # whole project again when an environment variable it read there changed: exported,
        # it has the same value in every process whose settings name the same sources, wherever
        # they were set (the environment, the home file, --demo's default).
        environ[env_name("sources")] = ",".join(self.sources)
        # dbt reads the as-of day from the environment, not from --vars
        # (dbt_project/macros/as_of_date.sql): unset means today.
        if self.as_of_date:
            environ[env_name("as_of_date")] = self.as_of_date.isoformat()
        else:
            environ.pop(env_name("as_of_date"), None)
        if self.demo:
            environ[f"{ENV_PREFIX}DEMO"] = "true"
        if self.warehouse == "postgres":
            connection = self.postgres(environ)
            for field, name in DBT_POSTGRES_ENV.items():
                environ[name] = str(getattr(connection, field))
            # libpq's session time zone: timestamptz arithmetic must never follow the server's.
            environ["PGTZ"] = "UTC"

    def describe(self) -> str:
        """One line for logs and errors: which warehouse, which sources."""
        kind = "demo " if self.demo else ""
        where = str(self.home)
        if self.warehouse == "postgres":
            where = self.postgres().where
        return f"{kind}warehouse {where} with sources {', '.join(self.sources)}"


# Settings that dbt_project.yml defaults (the marts share them); the rest default above.
_DBT_SHARED = ("reporting_timezone", "reporting_currency", "anonymity_threshold", "as_of_date")
_FIELDS = tuple(Settings.model_fields)
_DBT_POSTGRES_NAMES = frozenset(DBT_POSTGRES_ENV.values())
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def env_name(field: str) -> str:
    return f"{ENV_PREFIX}{field.upper()}"


def load_settings(environ: Mapping[str, str] | None = None, *, demo: bool = False) -> Settings:
    """The settings from the environment (os.environ by default), the home's salespulse.toml
    and the defaults; `demo=True` is `--demo`. Raises SettingsError naming the bad setting."""
    environ = os.environ if environ is None else environ
    from_env = _from_environment(environ)
    settings = _load(tuple(sorted(from_env.items())), demo, _home_file_stamp(from_env, demo))
    if settings.warehouse == "postgres":
        settings.postgres(environ)  # fails now, in one line, when the connection is missing
    return settings


def _from_environment(environ: Mapping[str, str]) -> dict[str, str]:
    values = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name in _DBT_POSTGRES_NAMES:
            continue
        field = name[len(ENV_PREFIX) :].lower()
        if field not in _FIELDS:
            known = ", ".join(env_name(f) for f in _FIELDS)
            raise SettingsError(f"unknown setting {name}; SalesPulse reads {known}")
        values[field] = value
    return values


def _default_home(demo: bool) -> Path:
    warehouse = PROJECT_ROOT / "warehouse"
    return warehouse / "demo" if demo else warehouse


def _resolve_home(from_env: dict[str, str], demo: bool) -> Path:
    configured = from_env.get("home")
    demo = demo or _as_bool("demo", from_env.get("demo", ""))
    home = Path(configured).expanduser() if configured else _default_home(demo)
    return home.resolve()


def _home_file_stamp(from_env: dict[str, str], demo: bool) -> float | None:
    """The home file's modification time: a changed file is read again."""
    path = _resolve_home(from_env, demo) / HOME_SETTINGS_FILE
    try:
        return path.stat().st_mtime
    except OSError:
        return None


@cache
def _load(env_items: tuple[tuple[str, str], ...], demo: bool, _stamp: float | None) -> Settings:
    from_env = dict(env_items)
    home = _resolve_home(from_env, demo)
    from_file = _read_home_file(home)
    values: dict[str, Any] = {**from_file, **{k: v for k, v in from_env.items() if k != "home"}}
    values["demo"] = demo or _as_bool("demo", values.get("demo", False))
    values["dbt_vars"] = _dbt_vars_setting(values.get("dbt_vars", {}))
    routed = _route_shared_dbt_vars(values)
    defaults: dict[str, Any] = {
        name: _dbt_defaults()[name] for name in _DBT_SHARED if _dbt_defaults().get(name) != ""
    }
    if values["demo"]:
        defaults["sources"] = DEMO_SOURCES
        values["dbt_vars"] = {**DEMO_DBT_VARS, **values["dbt_vars"]}
    try:
        return Settings(home=home, **{**defaults, **values})
    except ValidationError as error:
        raise SettingsError(_one_line(error, from_env, home, routed)) from None


def _read_home_file(home: Path) -> dict[str, Any]:
    path = home / HOME_SETTINGS_FILE
    if not path.is_file():
        return {}
    try:
        values = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path} is not valid TOML: {error}") from None
    # The home file cannot move the home it sits in.
    unknown = sorted(name for name in values if name not in _FIELDS or name == "home")
    if unknown:
        raise SettingsError(f"{path}: unknown settings {unknown}")
    return values


def _dbt_vars_setting(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        if not value.strip():
            return {}
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise SettingsError(f"{env_name('dbt_vars')} is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise SettingsError(f"{env_name('dbt_vars')} must be a JSON object of dbt vars")
    if "enabled_sources" in value:
        raise SettingsError(
            f"set the sources with {env_name('sources')}, not enabled_sources in "
            f"{env_name('dbt_vars')}"
        )
    unknown = sorted(set(value) - set(_dbt_defaults()) - set(_DBT_SHARED))
    if unknown:
        raise SettingsError(
            f"{env_name('dbt_vars')} names {unknown}, which are not vars of the dbt project "
            f"(see {DBT_PROJECT_FILE.relative_to(PROJECT_ROOT)})"
        )
    for name, (lowest, highest) in _WHOLE_NUMBER_VARS.items():
        if name in value and not _whole_number_within(value[name], lowest, highest):
            bounds = f"from {lowest} to {highest}" if highest else f"at least {lowest}"
            raise SettingsError(
                f"{name} in {env_name('dbt_vars')} must be a whole number {bounds}, "
                f"not {value[name]!r}"
            )
    if "calendar_start_date" in value:
        try:
            date.fromisoformat(str(value["calendar_start_date"]))
        except ValueError:
            raise SettingsError(
                f"calendar_start_date in {env_name('dbt_vars')} must be a YYYY-MM-DD date, "
                f"not {value['calendar_start_date']!r}"
            ) from None
    return dict(value)


# dbt vars that are whole numbers, with their bounds (None: no upper bound).
_WHOLE_NUMBER_VARS = {
    "fiscal_year_start_month": (1, 12),
    "fx_rate_max_age_days": (0, None),
    "incremental_lookback_hours": (0, None),
    "lead_response_sla_minutes": (1, None),
    "lead_conversion_window_days": (1, None),
}


def _whole_number_within(value: Any, lowest: int, highest: int | None) -> bool:
    if isinstance(value, bool) or not re.fullmatch(r"\d+", str(value).strip()):
        return False
    number = int(str(value).strip())
    return number >= lowest and (highest is None or number <= highest)


def _route_shared_dbt_vars(values: dict[str, Any]) -> set[str]:
    """A setting the marts share, given as a dbt var, is validated like its own setting.
    Returns the names so given."""
    routed = set()
    for name in _DBT_SHARED:
        if name in values["dbt_vars"]:
            given = values["dbt_vars"].pop(name)
            if name in values and values[name] != given:
                raise SettingsError(
                    f"{name} is set twice, as {env_name(name)} and in {env_name('dbt_vars')}"
                )
            values[name] = given
            routed.add(name)
    if values.get("as_of_date") == "":
        values.pop("as_of_date")
    return routed


def _as_bool(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise SettingsError(f"{env_name(field)} must be true or false, not {value!r}")


def _one_line(
    error: ValidationError, from_env: dict[str, str], home: Path, routed: set[str]
) -> str:
    """Each invalid setting with where it was set and what it takes, on one line."""
    home_file = home / HOME_SETTINGS_FILE
    in_file = _read_home_file(home)
    problems = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "settings"
        where = None
        if field in routed:
            where = f"{field} in {env_name('dbt_vars')}"
        elif field in in_file and field not in from_env:
            where = f"{field} in {home_file}"
        message = item["msg"].removeprefix("Value error, ")
        problems.append(f"{where or env_name(field)}: {message}")
    return "; ".join(problems)


def current_settings() -> Settings:
    """The settings of this process, from its environment (see `Settings.export`)."""
    return load_settings()
