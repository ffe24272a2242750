"""Runs the bundled demo company as a child process, the way a real CRM would be: outside.

Production code never imports the simulator; `salespulse run --demo` starts it with
`python -m simulator demo-api` on a free localhost port and points every source at it. The demo
has a warehouse home of its own (`warehouse/demo/` unless SALESPULSE_HOME says otherwise), marked
as the demo's by its `salespulse.toml`, so demo data never mixes into a real warehouse.
"""

import json
import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from ingestion import PROJECT_ROOT
from ingestion.configuration import dlt_configuration
from ingestion.warehouse import build_warehouse_connection
from salespulse.settings import (
    DEMO_DBT_VARS,
    DEMO_SOURCES,
    HOME_SETTINGS_FILE,
    POSTGRES_CREDENTIALS_ENV,
    Settings,
)

READY_PREFIX = "SalesPulse demo API listening on "
# The simulator reads its bearer token from here: a command line is visible to every user of the
# machine (ps), a process's environment only to its owner.
TOKEN_ENV = "SIMULATOR_API_TOKEN"
DEMO_SCALE = "small"
DEMO_SEED = 42


class DemoCompanyError(RuntimeError):
    """The demo company could not be started, or would write into a warehouse not its own."""


DEMO_PLANS_MAPPING = PROJECT_ROOT / "ingestion" / "mappings" / "demo_plans.yml"
# The only files the demo loads (the mapping's entities): the rest of the company comes through
# its APIs, so exporting it all would cost time and disk for nothing (10 GB at the large size).
DEMO_PLAN_TABLES = ("quotas", "fx_rates")
# On PostgreSQL, the schema that marks a database as the demo's warehouse.
DEMO_DATABASE_MARK = "salespulse_demo"
DEMO_HOME_MARK = (
    "# Written by `salespulse run --demo`: this warehouse home is the demo's.\ndemo = true\n"
)


def demo_files(settings: Settings) -> dict[str, str]:
    """The files source's settings in the demo: its plans mapping, on the export files the demo
    writes into its home. Known without the demo running, so the asset graph of a demo home
    (`dagster dev`) shows the files the demo loads."""
    return {
        "mapping_path": str(DEMO_PLANS_MAPPING),
        "base_dir": str(settings.home / "demo_exports"),
    }


def claim_demo_home(settings: Settings) -> None:
    """Mark the home as the demo's, refusing one that already holds another warehouse."""
    if settings.warehouse == "postgres":
        _claim_demo_database(settings)
    mark = settings.home / HOME_SETTINGS_FILE
    holds_a_warehouse = settings.build_path.exists() or settings.serving_path.exists()
    if holds_a_warehouse and not mark.exists():
        raise DemoCompanyError(
            f"{settings.home} holds a warehouse that is not the demo's, and the demo would mix "
            "its data into it; unset SALESPULSE_HOME (the demo then uses warehouse/demo/) or "
            "point it at an empty folder"
        )
    settings.home.mkdir(parents=True, exist_ok=True)
    if not mark.exists():
        mark.write_text(DEMO_HOME_MARK)


def _claim_demo_database(settings: Settings) -> None:
    """On PostgreSQL the demo's warehouse is the database dlt's connection string names: mark it
    as the demo's (schema salespulse_demo), refusing one that holds schemas of anything else, a
    real warehouse above all, which the demo company would overwrite."""
    with build_warehouse_connection() as con:
        schemas = {
            name
            for (name,) in con.execute(
                "select nspname from pg_namespace where nspname not like 'pg\\_%' "
                "and nspname not in ('information_schema', 'public')"
            ).fetchall()
        }
        if schemas and DEMO_DATABASE_MARK not in schemas:
            raise DemoCompanyError(
                f"{settings.postgres().where} holds schemas that are not the demo's "
                f"({', '.join(sorted(schemas)[:5])}, ...), and the demo would overwrite them; "
                f"point {POSTGRES_CREDENTIALS_ENV} at an empty database of its own for the demo "
                "(createdb salespulse_demo)"
            )
        con.execute(f"create schema if not exists {DEMO_DATABASE_MARK}")
        con.execute(
            f"comment on schema {DEMO_DATABASE_MARK} is "
            "'Written by salespulse run --demo: this database is the demo''s warehouse.'"
        )


def demo_company_changes(settings: Settings, seed: int = DEMO_SEED, scale: str = DEMO_SCALE) -> str:
    """What the home's last demo run loaded, when it was another demo company (another scale or
    seed) than this run's, else "". Its records would otherwise stay beside the new company's:
    such a run must reload everything (a full refresh)."""
    manifest = Path(demo_files(settings)["base_dir"]) / "manifest.json"
    try:
        loaded = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return ""
    if (loaded.get("scale"), loaded.get("seed")) == (scale, seed):
        return ""
    return f"the {loaded.get('scale')} demo company (seed {loaded.get('seed')})"


@contextmanager
def running_demo_company(
    settings: Settings, seed: int = DEMO_SEED, scale: str = DEMO_SCALE
) -> Iterator[str]:
    """Start the demo API, point the HubSpot and Typeform sources at it, and the files source at
    the demo's quota plan and FX rates (written as export files, as a finance team would hand
    them over); yield the API's URL; stop it."""
    token = secrets.token_urlsafe(16)
    files = demo_files(settings)
    exports = Path(files["base_dir"])
    # The demo company as of the marts' reporting day, when one is set.
    company = ["--seed", str(seed), "--scale", scale]
    if settings.as_of_date:
        company += ["--as-of", settings.as_of_date.isoformat()]
    command = [sys.executable, "-m", "simulator", "demo-api", "--port", "0", *company]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, env={**os.environ, TOKEN_ENV: token}
    )
    try:
        # The API process generates the company while another writes its files: each takes
        # a second or two of start-up and generation, side by side on two cores.
        _export_plans(company, exports)
        base_url = _wait_until_ready(process)
        # dlt reads its configuration from the environment first: the demo's values win over
        # any real account configured in .dlt/ or the shell.
        with dlt_configuration(demo_source_settings(base_url, token, exports)):
            yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def demo_source_settings(base_url: str, token: str, exports: Path) -> dict[str, str]:
    """dlt's settings that point every source at the demo company served at `base_url` and at
    its export files in `exports` (the tests set it up the same way)."""
    return {
        "SOURCES__HUBSPOT__BASE_URL": base_url,
        "SOURCES__HUBSPOT__ACCESS_TOKEN": token,
        # The demo serves Typeform's API on the same address; its surveys are listed there.
        "SOURCES__TYPEFORM__BASE_URL": base_url,
        "SOURCES__TYPEFORM__ACCESS_TOKEN": token,
        "SOURCES__TYPEFORM__FORM_IDS": json.dumps(_form_ids(base_url, token)),
        "SOURCES__FILES__MAPPING_PATH": str(DEMO_PLANS_MAPPING),
        "SOURCES__FILES__BASE_DIR": str(exports),
    }


def demo_company_environment(base_url: str, token: str, exports: Path) -> dict[str, str]:
    """The environment of a `salespulse run` (without --demo) on a demo company someone else
    serves: dlt's settings and the demo's sources and dbt vars (as `--demo` sets them)."""
    return {
        **demo_source_settings(base_url, token, exports),
        "SALESPULSE_SOURCES": ",".join(DEMO_SOURCES),
        "SALESPULSE_DBT_VARS": json.dumps(DEMO_DBT_VARS),
    }


def _export_plans(company: list[str], out: Path) -> None:
    """The demo company's files (quota plan, FX rates among them), from the simulator's CLI."""
    command = [sys.executable, "-m", "simulator", "simulate", "export", "--out", str(out)]
    command += [*company, "--format", "parquet", "--tables", ",".join(DEMO_PLAN_TABLES)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise DemoCompanyError(f"the demo company's export files could not be written: {reason}")


def _form_ids(base_url: str, token: str) -> list[str]:
    """Every form of the account, through Typeform's `GET /forms`."""
    response = requests.get(
        f"{base_url}/forms", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    response.raise_for_status()
    return [form["id"] for form in response.json()["items"]]


def _wait_until_ready(process: subprocess.Popen) -> str:
    line = process.stdout.readline() if process.stdout else ""
    if not line.startswith(READY_PREFIX):
        process.kill()
        raise DemoCompanyError(f"the demo company did not start (it printed: {line.strip()!r})")
    # Keep reading whatever else it prints, so a full pipe never blocks the server.
    threading.Thread(target=process.stdout.read, daemon=True).start()
    return line[len(READY_PREFIX) :].strip()
