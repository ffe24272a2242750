"""`salespulse dashboard`: serve the dashboard with Streamlit over the serving warehouse."""

import argparse
import ipaddress
import os
import sys
from pathlib import Path

from dashboard.access import AUTH_HEADER_ENV, ROLES_FILE_ENV, AccessSettings
from salespulse.settings import load_settings

APP = Path(__file__).parent / "app.py"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8501
OPEN_COMMAND = "python3 -m uv run --locked salespulse dashboard"

# Streamlit's settings for a product, not a development server: no usage statistics sent out,
# no file watching, no developer menu, and the house colours.
STREAMLIT_OPTIONS = {
    "server.headless": "true",
    "server.runOnSave": "false",
    "server.fileWatcherType": "none",
    "browser.gatherUsageStats": "false",
    "client.toolbarMode": "viewer",
    "theme.base": "light",
    "theme.primaryColor": "#2563eb",
    "theme.backgroundColor": "#ffffff",
    "theme.secondaryBackgroundColor": "#f4f6fb",
    "theme.textColor": "#1e293b",
}


def add_dashboard_command(commands: argparse._SubParsersAction) -> None:
    """Register `dashboard` on the `salespulse` command's sub-commands."""
    parser = commands.add_parser(
        "dashboard",
        help="serve the dashboard over the serving warehouse",
        description="Serve the SalesPulse dashboard (Streamlit) over serving.duckdb, read-only. "
        "Without --auth-header everything is visible (the local demo); behind a sign-in proxy, "
        "give the header it sets and a roles file (see docs/dashboard.md).",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="default %(default)s")
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to bind, default %(default)s")
    parser.add_argument(
        "--auth-header",
        metavar="NAME",
        help="the header your sign-in proxy sets to the user's e-mail, e.g. X-Forwarded-Email "
        f"(default: ${AUTH_HEADER_ENV}, else none: open mode, everything visible)",
    )
    parser.add_argument(
        "--roles",
        metavar="FILE",
        help=f"the roles file: who is a rep, manager, HR or admin (default: ${ROLES_FILE_ENV})",
    )
    parser.set_defaults(handler=run_dashboard)


def streamlit_command(port: int, host: str) -> list[str]:
    options = {**STREAMLIT_OPTIONS, "server.port": str(port), "server.address": host}
    command = [sys.executable, "-m", "streamlit", "run", str(APP)]
    for name, value in options.items():
        command += [f"--{name}", value]
    return command


def dashboard_environment(settings: AccessSettings) -> dict[str, str]:
    env = {**os.environ}
    env.pop(AUTH_HEADER_ENV, None)
    env.pop(ROLES_FILE_ENV, None)
    if settings.header:
        env[AUTH_HEADER_ENV] = settings.header
        env[ROLES_FILE_ENV] = str(settings.roles_file)
    return env


def run_dashboard(args: argparse.Namespace) -> int:
    from ingestion.warehouse import serving_warehouse_path

    if not 0 < args.port < 65536:
        raise ValueError(f"--port must be between 1 and 65535, not {args.port}")
    configured = load_settings()
    roles_file = Path(args.roles) if args.roles else configured.dashboard_roles_file
    settings = AccessSettings.checked(
        args.auth_header or configured.dashboard_auth_header, roles_file
    )
    roles = settings.roles()  # a bad roles file fails here, before anything starts
    serving = serving_warehouse_path()
    print(f"SalesPulse dashboard on http://{args.host}:{args.port} (reads {serving}, read-only)")
    if not serving.exists():
        print("Nothing is published yet: run `salespulse run` (or `run --demo`) first.")
    if settings.is_open:
        print("Open mode: no sign-in header configured, so everything is visible to everyone.")
    else:
        print(
            f"Sign-in from header {settings.header}; {len(roles)} people in {settings.roles_file}"
        )
        if not _is_loopback(args.host):
            print(
                f"Warning: bound to {args.host} with header sign-in: anyone who can reach this "
                f"port directly can send {settings.header} themselves. Let only the proxy reach it.",
                file=sys.stderr,
            )
    sys.stdout.flush()
    # Become the Streamlit server: signals (Ctrl-C, a service manager's stop) reach it directly.
    command = streamlit_command(args.port, args.host)
    os.execve(command[0], command, dashboard_environment(settings))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
