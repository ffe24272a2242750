"""`python -m simulator demo-api` and `simulate export`: the startup line, serving, clean stop,
flags, files, one-line errors."""

from __future__ import annotations

import datetime as dt
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
        (["demo-api", "--fault-429-every", "-2"], "must not be negative"),
        (["demo-api", "--advance-days", "x"], "not a number"),
        (["simulate"], "required"),
        (["simulate", "export"], "required: --out"),
        (["simulate", "export", "--out", "x", "--format", "xml"], "invalid choice: 'xml'"),
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


def test_demo_api_flags_set_the_clock_currency_and_faults() -> None:
    proc = _start(
        "--seed", "3", "--as-of", "2025-06-30", "--token", "t", "--advance-days", "2",
        "--multi-currency", "--fault-429-every", "2", "--retry-after", "0",
    )  # fmt: skip
    try:
        match = LINE.fullmatch(proc.stdout.readline())
        assert match
        headers = {"Authorization": "Bearer t"}
        clock = requests.get(f"{match.group(1)}/_simulator/clock", headers=headers, timeout=5)
        assert clock.json()["clock"] == "2025-07-02T23:59:59.999Z"
        url = f"{match.group(1)}/crm/v3/objects/deals"
        first = requests.get(
            url,
            headers=headers,
            params={"limit": "100", "properties": "deal_currency_code"},
            timeout=5,
        )
        second = requests.get(url, headers=headers, timeout=5)
        assert first.status_code == 200 and second.status_code == 429
        assert second.headers["Retry-After"] == "0"
        currencies = {d["properties"]["deal_currency_code"] for d in first.json()["results"]}
        assert len(currencies) > 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_without_an_as_of_date_the_demo_api_serves_today_so_far() -> None:
    """The README's demo runs on today: the company must be served as it is now, not at the
    day's end, or it hands out deals closed later today (the marts flag a deal closed after it
    was loaded, and every demo run warned about one)."""
    before = dt.datetime.now(dt.UTC)
    proc = _start("--seed", "3", "--scale", "tiny", "--token", "t")
    try:
        match = LINE.fullmatch(proc.stdout.readline())
        assert match
        after = dt.datetime.now(dt.UTC)
        headers = {"Authorization": "Bearer t"}
        served = requests.get(f"{match.group(1)}/_simulator/clock", headers=headers, timeout=5)
        clock = dt.datetime.fromisoformat(served.json()["clock"])
        assert before - dt.timedelta(seconds=1) <= clock <= after
        deals, url = [], f"{match.group(1)}/crm/v3/objects/deals"
        params = {"limit": "100", "properties": "closedate,dealstage"}
        while url:
            page = requests.get(url, headers=headers, params=params, timeout=10).json()
            deals += page["results"]
            after_link = page.get("paging", {}).get("next", {}).get("after")
            params = {**params, "after": after_link} if after_link else params
            url = url if after_link else None
        closes = [
            dt.datetime.fromisoformat(deal["properties"]["closedate"])
            for deal in deals
            if deal["properties"]["dealstage"] in ("closedwon", "closedlost")
        ]
        assert closes and max(closes) <= clock
        assert max(dt.datetime.fromisoformat(deal["updatedAt"]) for deal in deals) <= clock
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_simulate_export_writes_files_and_one_line(tmp_path: Path) -> None:
    out = tmp_path / "files"
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "simulate", "export", "--out", str(out), "--seed", "5",
         "--as-of", "2025-06-30", "--format", "parquet", "--advance-days", "1"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"wrote 13 tables (parquet) and 7 truth files to {out}\n"
    assert len(list(out.glob("*.parquet"))) == 13 and not list(out.glob("*.csv"))
    assert len(list((out / "truth").glob("truth_*.csv"))) == 7
    assert '"clock": "2025-07-01T23:59:59.999Z"' in (out / "manifest.json").read_text()


def test_simulate_export_to_an_unwritable_place_fails_in_one_line(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert main(["simulate", "export", "--out", str(blocker / "x"), "--as-of", "2025-06-30"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
