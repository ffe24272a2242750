"""`python -m simulator demo-api`: the startup line, serving, clean stop, one-line errors."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from simulator.cli import main

REPO = Path(__file__).resolve().parents[2]
LINE = re.compile(r"SalesPulse demo API listening on (http://127\.0\.0\.1:(\d+))\n")


def _start(*args: str) -> subprocess.Popen[str]:
    # Without PYTHONUNBUFFERED the line only arrives if the CLI flushes it, as it must.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.Popen(
        [sys.executable, "-m", "simulator", "demo-api", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_demo_api_serves_until_signalled(signum: int) -> None:
    proc = _start("--seed", "3", "--as-of", "2025-06-30", "--token", "cli-token")
    try:
        line = proc.stdout.readline()
        match = LINE.fullmatch(line)
        assert match, f"unexpected first line {line!r}"
        assert int(match.group(2)) > 0
        url = f"{match.group(1)}/crm/v3/objects/deals"
        response = requests.get(url, headers={"Authorization": "Bearer cli-token"}, timeout=5)
        assert response.status_code == 200 and len(response.json()["results"]) == 10
        proc.send_signal(signum)
        assert proc.wait(timeout=10) == 0
        assert proc.stdout.read() == ""  # exactly one line on stdout
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["demo-api", "--scale", "huge"], "invalid choice: 'huge'"),
        (["demo-api", "--as-of", "2025-13-01"], "not a YYYY-MM-DD date"),
        (["demo-api", "--port", "http"], "invalid int value"),
        (["nonsense"], "invalid choice: 'nonsense'"),
        ([], "required"),
    ],
)
def test_bad_arguments_exit_non_zero_with_one_line(args, reason, capsys) -> None:
    assert main(args) != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and reason in captured.err


def test_bad_arguments_from_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "demo-api", "--as-of", "yesterday"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr.strip().count("\n") == 0 and "yesterday" in done.stderr
