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

import requests

READY_PREFIX = "SalesPulse demo API listening on "


class DemoCompanyError(RuntimeError):
    """The demo company could not be started."""


@contextmanager
def running_demo_company(seed: int = 42, scale: str = "small") -> Iterator[str]:
    """Start the demo API, point the HubSpot and Typeform sources at it (env vars), yield its
    URL, stop it."""
    token = secrets.token_urlsafe(16)
    command = [sys.executable, "-m", "simulator", "demo-api", "--port", "0"]
    command += ["--seed", str(seed), "--scale", scale, "--token", token]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        base_url = _wait_until_ready(process)
        overrides = {
            "SOURCES__HUBSPOT__BASE_URL": base_url,
            "SOURCES__HUBSPOT__ACCESS_TOKEN": token,
            # The demo serves Typeform's API on the same address; its surveys are listed there.
            "SOURCES__TYPEFORM__BASE_URL": base_url,
            "SOURCES__TYPEFORM__ACCESS_TOKEN": token,
            "SOURCES__TYPEFORM__FORM_IDS": json.dumps(_form_ids(base_url, token)),
            "SALESPULSE_SOURCES": os.environ.get("SALESPULSE_SOURCES", "hubspot,typeform"),
        }
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
