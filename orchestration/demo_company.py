"""Runs the bundled demo company as a child process, the way a real CRM would be: outside.

Production code never imports the simulator; `salespulse run --demo` starts it with
`python -m simulator demo-api` on a free localhost port and points every source at it.
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
from ingestion.warehouse import salespulse_home

READY_PREFIX = "SalesPulse demo API listening on "


class DemoCompanyError(RuntimeError):
    """The demo company could not be started."""


DEMO_PLANS_MAPPING = PROJECT_ROOT / "ingestion" / "mappings" / "demo_plans.yml"


@contextmanager
def running_demo_company(seed: int = 42, scale: str = "small") -> Iterator[str]:
    """Start the demo API, point the HubSpot and Typeform sources at it, and the files source at
    the demo's quota plan and FX rates (written as export files, as a finance team would hand
    them over); yield the API's URL; stop it."""
    token = secrets.token_urlsafe(16)
    exports = salespulse_home() / "demo_exports"
    _export_plans(seed, scale, exports)
    command = [sys.executable, "-m", "simulator", "demo-api", "--port", "0"]
    # One argument, "--token=…": a random token may begin with "-", which argparse would
    # otherwise take for an option.
    command += ["--seed", str(seed), "--scale", scale, f"--token={token}"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        base_url = _wait_until_ready(process)
        overrides = demo_source_settings(base_url, token, exports)
        previous = {name: os.environ.get(name) for name in overrides}
        os.environ.update(overrides)
        try:
            yield base_url
        finally:
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def demo_source_settings(base_url: str, token: str, exports: Path) -> dict[str, str]:
    """The environment that points every source at the demo company served at `base_url`
    and at its export files in `exports` (the tests set it up the same way)."""
    return {
        "SOURCES__HUBSPOT__BASE_URL": base_url,
        "SOURCES__HUBSPOT__ACCESS_TOKEN": token,
        # The demo serves Typeform's API on the same address; its surveys are listed there.
        "SOURCES__TYPEFORM__BASE_URL": base_url,
        "SOURCES__TYPEFORM__ACCESS_TOKEN": token,
        "SOURCES__TYPEFORM__FORM_IDS": json.dumps(_form_ids(base_url, token)),
        "SOURCES__FILES__MAPPING_PATH": str(DEMO_PLANS_MAPPING),
        "SOURCES__FILES__BASE_DIR": str(exports),
        "SALESPULSE_SOURCES": os.environ.get("SALESPULSE_SOURCES", "hubspot,typeform,files"),
        # The quota plan names reps by their HubSpot ids: the files source's ids are the
        # HubSpot ones here, not a separate CRM's, so they take no prefix.
        "SALESPULSE_DBT_VARS": json.dumps(
            {"source_id_prefixes": {"hubspot": "", "typeform": "", "files": ""}}
        ),
    }


def _export_plans(seed: int, scale: str, out: Path) -> None:
    """The demo company's files (quota plan, FX rates among them), from the simulator's CLI."""
    command = [sys.executable, "-m", "simulator", "simulate", "export", "--out", str(out)]
    command += ["--seed", str(seed), "--scale", scale, "--format", "parquet"]
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
