"""The `salespulse` command as a person runs it, in the README's order: the demo, `dagster dev`,
the demo again, dbt by hand, the files source into the real warehouse, the demo again. Every
step succeeds, one run at a time, with no process left behind and the demo's warehouse its own.
Then a refresh that fails says why in one line and posts one alert."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import psutil
import pytest
import requests

from ingestion import PROJECT_ROOT
from ingestion.sources.files import load_mapping
from orchestration.defs.transformation.parse_state import FULL_PARSE_WARNING

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent
SALESPULSE = str(BIN / "salespulse")
MAVEN_MAPPING = PROJECT_ROOT / "ingestion" / "mappings" / "maven_crm.yml"
AS_OF = "2026-06-30"
# Variables of the developer's shell that would point a command elsewhere than the test says.
_FOREIGN = ("DAGSTER_HOME", "SALESPULSE_SOURCES", "SALESPULSE_DEMO", "SALESPULSE_AS_OF_DATE")


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOURCES__")}
    for name in _FOREIGN:
        env.pop(name, None)
    return {**env, "SALESPULSE_HOME": str(home), "SALESPULSE_AS_OF_DATE": AS_OF, **extra}


def _salespulse(*args: str, env: dict[str, str], timeout: float = 900):
    return subprocess.run(
        [SALESPULSE, *args], env=env, capture_output=True, text=True, timeout=timeout
    )


class _Running:
    """A command in the background whose stderr is collected line by line as it comes."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.stderr: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.stderr.append(line)

    def wait_for_line(self, text: str, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.stderr):
            assert self.process.poll() is None, "".join(self.stderr)[-3000:]
            assert time.monotonic() < deadline, f"no {text!r} after {timeout}s"
            time.sleep(0.2)

    def finish(self, timeout: float = 900) -> tuple[int, str, str]:
        out = self.process.stdout.read()
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=10)
        return code, out, "".join(self.stderr)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _asset_keys_in_dagster_dev(env: dict[str, str], timeout: float = 600) -> set[tuple[str, ...]]:
    """Start `dagster dev` as the README says, read the asset graph it shows, stop it."""
    port = _free_port()
    dev = subprocess.Popen(
        [str(BIN / "dagster"), "dev", "-w", "workspace.yaml", "-p", str(port)],
        cwd=PROJECT_ROOT,
        env={**env, "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    query = {"query": "{ assetNodes { assetKey { path } } }"}
    try:
        deadline = time.monotonic() + timeout
        while True:
            assert dev.poll() is None, "dagster dev exited"
            assert time.monotonic() < deadline, "dagster dev did not show the asset graph"
            try:
                answer = requests.post(f"http://127.0.0.1:{port}/graphql", json=query, timeout=10)
                nodes = answer.json().get("data", {}).get("assetNodes") or []
            except (requests.RequestException, ValueError):
                nodes = []
            if nodes:
                return {tuple(node["assetKey"]["path"]) for node in nodes}
            time.sleep(2)
    finally:
        os.killpg(dev.pid, signal.SIGINT)
        try:
            dev.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)
            dev.wait()


def _processes_touching(folder: Path) -> list[str]:
    """Processes, other than this one, whose command line or environment names `folder`."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        if process.pid == os.getpid():
            continue
        try:
            cmdline = " ".join(process.info["cmdline"] or [])
            environment = " ".join(process.environ().values())
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        if str(folder) in cmdline or str(folder) in environment:
            found.append(f"{process.pid}: {cmdline[:200]}")
    return found


def _owner_only(path: Path) -> bool:
    return path.stat().st_mode & 0o077 == 0


@pytest.mark.slow  # four demo runs, dagster dev, dbt by hand, the Maven export: pytest -m slow
@pytest.mark.skipif(
    not (load_mapping(MAVEN_MAPPING).base_dir / "sales_pipeline.csv").exists(),
    reason="the Maven export is not in ../shared/datasets",
)
def test_the_readmes_commands_in_order_all_succeed_and_leave_nothing_behind(tmp_path):
    # The README's defaults: the real warehouse in warehouse/, the demo's in warehouse/demo/.
    real_home = tmp_path / "warehouse"
    demo_home = real_home / "demo"
    demo_env = _env(demo_home)

    # 1. The demo. While it runs, a second run refuses at once, naming it.
    first = _Running([SALESPULSE, "run", "--demo", "--demo-scale", "tiny"], demo_env)
    first.wait_for_line("… hubspot")
    second = _salespulse("run", "--demo", "--demo-scale", "tiny", env=demo_env, timeout=120)
    assert second.returncode == 1
    assert "`salespulse run --demo --demo-scale tiny` (pid" in second.stderr
    assert f"pid {first.process.pid}," in second.stderr and "--wait" in second.stderr
    assert second.stderr.count("\n") == 1
    # The demo company's token is in its environment, never on a command line (ps shows those).
    children = psutil.Process(first.process.pid).children(recursive=True)
    demo_api = [c for c in children if "demo-api" in " ".join(c.cmdline())]
    assert len(demo_api) == 1 and "SIMULATOR_API_TOKEN" in demo_api[0].environ()
    assert not [c.cmdline() for c in children if "--token" in c.cmdline()]

    code, out, err = first.finish()
    assert code == 0, err[-3000:]
    assert f"Serving warehouse: {demo_home / 'serving.duckdb'}" in out
    assert "Top reps by bookings:" in out
    assert "✓ serving__warehouse" in err
    assert "models done" in err  # the dbt step's progress
    assert FULL_PARSE_WARNING not in err  # each dbt step started from the run's parse
    lines = out.splitlines()
    table = lines.index(next(line for line in lines if "rows by source" in line))
    assert [line.split()[0] for line in lines[table + 1 : table + 4]] == [
        "hubspot",
        "typeform",
        "files",
    ]
    # The console shows progress, not library warnings about the project's own code.
    assert "PreviewWarning" not in err and "did not receive any data" not in err
    # Warehouse files and logs are the owner's alone (the build warehouse holds contacts).
    logs = list((demo_home / "logs").iterdir())
    assert logs and all(_owner_only(path) for path in logs)
    for path in (demo_home, demo_home / "build.duckdb", demo_home / "serving.duckdb"):
        assert _owner_only(path), path

    status = _salespulse("status", env=demo_env)
    assert status.returncode == 0, status.stderr
    assert "sales.rep_performance_monthly" in status.stdout and "SUCCESS" in status.stdout

    # 2. `dagster dev` on the demo's warehouse shows the graph that ran: every source's assets.
    keys = _asset_keys_in_dagster_dev(_env(demo_home, DAGSTER_HOME=str(demo_home / "dagster")))
    assert {key[0] for key in keys} >= {"raw_hubspot", "raw_typeform", "raw_files", "serving"}

    # 3. The demo again: its manifest is its own, whatever `dagster dev` parsed.
    again = _salespulse("run", "--demo", "--demo-scale", "tiny", env=demo_env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert FULL_PARSE_WARNING not in again.stderr  # nor from the parse `dagster dev` made

    # 4. dbt by hand, as the README says, on the demo's warehouse: it builds, and says plainly
    #    which sources it builds and which raw schemas it leaves out.
    by_hand = subprocess.run(
        [str(BIN / "dbt"), "build", "--profiles-dir", "."],
        cwd=PROJECT_ROOT / "dbt_project",
        env=demo_env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert by_hand.returncode == 0, by_hand.stdout[-3000:]
    assert "SalesPulse: building the sources hubspot" in by_hand.stdout
    assert "also holds raw_typeform, raw_files" in by_hand.stdout

    # 5. The files source into the real warehouse: the Maven export; the demo refuses that home.
    real_env = _env(real_home)
    ingest = _salespulse("ingest", "files", "--mapping", str(MAVEN_MAPPING), env=real_env)
    assert ingest.returncode == 0, ingest.stderr[-3000:]
    assert "Loaded files" in ingest.stdout
    assert (real_home / "build.duckdb").exists() and not (real_home / "serving.duckdb").exists()
    mixing = _salespulse("run", "--demo", env=real_env, timeout=120)
    assert mixing.returncode == 1
    assert "holds a warehouse that is not the demo's" in mixing.stderr

    # 6. The demo again, its warehouse untouched by the Maven deals.
    last = _salespulse("run", "--demo", "--demo-scale", "tiny", env=demo_env)
    assert last.returncode == 0, last.stderr[-3000:]
    with duckdb.connect(str(demo_home / "serving.duckdb"), read_only=True) as con:
        sources = dict(
            con.execute("select source_system, count(*) from core.fct_deals group by 1").fetchall()
        )
    assert set(sources) == {"hubspot"}

    # Nothing left running, nothing holding the warehouse.
    assert _processes_touching(tmp_path) == []
    with duckdb.connect(str(demo_home / "build.duckdb")) as con:  # read-write: no lock held
        assert con.execute("select count(*) from raw_hubspot.deals").fetchone()[0] > 0


def test_a_failed_refresh_says_why_in_one_line_and_posts_one_alert(tmp_path, dbt_manifest, webhook):
    home = tmp_path / "warehouse"
    env = _env(
        home,
        SOURCES__HUBSPOT__BASE_URL="http://127.0.0.1:9",
        SALESPULSE_ALERT_WEBHOOK_URL=webhook.url,
    )

    run = _salespulse("run", env=env)

    assert run.returncode == 1
    last_line = run.stderr.strip().splitlines()[-1]
    assert last_line.startswith("salespulse: the refresh failed (hubspot:")
    assert "access_token" in run.stderr
    assert not (home / "serving.duckdb").exists()
    # The command posts its own failure (cron deployments run no daemon), once.
    assert len(webhook.received) == 1
    alert = webhook.received[0]
    assert alert["job"] == "nightly_refresh" and "hubspot" in alert["text"]
    assert alert["run_id"][:8] in run.stdout


def test_unknown_arguments_exit_non_zero_with_usage(tmp_path):
    result = _salespulse("ingest", "salesforce", env=_env(tmp_path))
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


@pytest.fixture
def webhook():
    """An HTTP receiver standing in for a Slack/Teams incoming webhook."""
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received: list[dict] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    class Hook:
        url = f"http://127.0.0.1:{server.server_port}/hook"

    Hook.received = received
    yield Hook
    server.shutdown()
