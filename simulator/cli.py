"""`python -m simulator demo-api ...` serves the demo company until SIGTERM or SIGINT;
`python -m simulator simulate export --out DIR ...` writes it as files with its truth.

`salespulse demo-api ...` and `salespulse simulate ...` delegate here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys
import threading

from simulator.scales import SCALES

# The bearer token clients must send, from the environment (never needs a command line).
TOKEN_ENV = "SIMULATOR_API_TOKEN"
DEFAULT_TOKEN = "demo-token"


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)  # one line, not argparse's usage block


def _as_of(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {value!r}") from None


def _non_negative(kind: type):
    def parse(value: str):
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
        if number < 0:
            raise argparse.ArgumentTypeError(f"must not be negative: {value!r}")
        return number

    return parse


class _DefaultsFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Every option's help ends with its default, so `--help` says what an option left out
    means; a required option has none to show."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.required:
            return action.help
        return super()._get_help_string(action)


_FORMATTER = _DefaultsFormatter


def _company_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=42, help="random seed of the demo company")
    parser.add_argument(
        "--scale", default="small", choices=list(SCALES), help="how big the demo company is"
    )
    parser.add_argument(
        "--as-of",
        type=_as_of,
        default=None,
        help="the company's last day, YYYY-MM-DD, seen at its end (None: today so far, UTC)",
    )
    parser.add_argument(
        "--advance-days",
        type=_non_negative(float),
        default=0.0,
        help="move the clock this many days later",
    )
    parser.add_argument(
        "--multi-currency",
        action="store_true",
        help="deals in several currencies (needs FX rates for the reporting currency)",
    )


def build_parser(prog: str = "simulator") -> argparse.ArgumentParser:
    """The demo company's commands; `salespulse demo-api` and `salespulse simulate` pass their
    own program name, so usage and errors name the command the user typed."""
    parser = _Parser(prog=prog, description="SalesPulse demo company.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo-api",
        help="serve the demo company's HubSpot- and Typeform-compatible APIs until stopped",
        description="Serve the demo company's HubSpot- and Typeform-compatible APIs until "
        "SIGTERM/SIGINT. Prints one line with the address once it is listening.",
        formatter_class=_FORMATTER,
    )
    demo.add_argument("--host", default="127.0.0.1", help="address to listen on")
    demo.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one")
    _company_arguments(demo)
    demo.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV, DEFAULT_TOKEN),
        help=f"bearer token clients must send (better in ${TOKEN_ENV}: a command line is "
        "visible to every user of the machine)",
    )
    faults = demo.add_argument_group("fault injection (all off by default; N counts requests)")
    faults.add_argument(
        "--fault-429-every",
        type=_non_negative(int),
        default=0,
        metavar="N",
        help="answer every Nth request with 429 Too Many Requests (0: never)",
    )
    faults.add_argument(
        "--retry-after",
        type=_non_negative(int),
        default=1,
        metavar="SECONDS",
        help="the Retry-After of those 429 answers",
    )
    faults.add_argument(
        "--fault-5xx-every",
        type=_non_negative(int),
        default=0,
        metavar="N",
        help="answer every Nth request with a server error (0: never)",
    )
    faults.add_argument(
        "--fault-5xx-status",
        type=int,
        default=503,
        metavar="STATUS",
        help="the status of those server errors",
    )
    faults.add_argument(
        "--fault-slow-every",
        type=_non_negative(int),
        default=0,
        metavar="N",
        help="answer every Nth request slowly (0: never)",
    )
    faults.add_argument(
        "--slow-seconds",
        type=_non_negative(float),
        default=2.0,
        help="how long those slow answers take",
    )
    faults.add_argument(
        "--fault-drop-every", type=_non_negative(int), default=0, metavar="N",
        help="drop the connection of every Nth request (0: never)",
    )  # fmt: skip
    faults.add_argument(
        "--fault-html-every",
        type=_non_negative(int),
        default=0,
        metavar="N",
        help="answer every Nth request with a proxy's HTML page instead of JSON (0: never)",
    )
    faults.add_argument(
        "--fault-html-status",
        type=int,
        default=200,
        metavar="STATUS",
        help="the status of those HTML pages",
    )
    limits = demo.add_argument_group("HubSpot rate limits, enforced (off by default)")
    limits.add_argument(
        "--rate-limit",
        type=_non_negative(int),
        default=0,
        metavar="N",
        help="at most N requests in any 10 seconds, then 429 (HubSpot's burst limit)",
    )
    limits.add_argument(
        "--search-rate-limit",
        type=_non_negative(int),
        default=0,
        metavar="N",
        help="at most N search requests a second",
    )

    simulate = commands.add_parser(
        "simulate", help="write the demo company as files", description="Demo company files."
    )
    actions = simulate.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = actions.add_parser(
        "export",
        help="write every entity as CSV and/or Parquet, with truth files and a manifest",
        description="Write the demo company (at its clock) as export files into --out, with "
        "truth/ files for tests and manifest.json.",
        formatter_class=_FORMATTER,
    )
    export.add_argument(
        "--out", required=True, help="output directory, created if missing (required)"
    )
    _company_arguments(export)
    export.add_argument(
        "--format", default="csv", choices=["csv", "parquet", "both"], help="file format"
    )
    export.add_argument(
        "--tables",
        type=_table_names,
        default=None,
        metavar="NAME,...",
        help="write only these tables, comma-separated, and no truth files (None: every table "
        "and the truth)",
    )
    return parser


def _table_names(value: str) -> list[str]:
    from simulator.tables import TABLES

    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in TABLES]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"unknown table(s) {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(TABLES)}"
        )
    return names


def _company(args: argparse.Namespace):
    from simulator.company import generate_company

    company = generate_company(
        seed=args.seed, scale=args.scale, as_of=args.as_of, multi_currency=args.multi_currency
    )
    if args.as_of is None:
        # Today is the day so far: served at the day's end, the company would hand out what
        # happens later today (a deal closed at 15:00 read at 10:00), as no real portal does.
        company = company.at(min(dt.datetime.now(dt.UTC), company.clock))
    return company.advance(args.advance_days) if args.advance_days else company


def _serve(args: argparse.Namespace) -> int:
    from simulator.faults import Faults
    from simulator.rate_limits import EnforcedRateLimit
    from simulator.server import DemoApi

    try:
        rate_limit = (
            EnforcedRateLimit(args.rate_limit, search_per_second=args.search_rate_limit)
            if args.rate_limit
            else None
        )
        faults = Faults(
            rate_limit_every=args.fault_429_every,
            retry_after_seconds=args.retry_after,
            server_error_every=args.fault_5xx_every,
            server_error_status=args.fault_5xx_status,
            slow_every=args.fault_slow_every,
            slow_seconds=args.slow_seconds,
            drop_every=args.fault_drop_every,
            html_every=args.fault_html_every,
            html_status=args.fault_html_status,
        )
        company = _company(args)
    except ValueError as exc:
        print(f"demo-api: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        api = DemoApi(
            company,
            token=args.token,
            host=args.host,
            port=args.port,
            faults=faults,
            rate_limit=rate_limit,
        ).start()
    except OSError as exc:
        where = f"{args.host}:{args.port}"
        print(f"demo-api: cannot listen on {where}: {exc}", file=sys.stderr)
        return 1
    with api:
        print(f"SalesPulse demo API listening on {api.base_url}", flush=True)
        stop.wait()
    return 0


def _export(args: argparse.Namespace) -> int:
    from simulator.exports import export

    try:
        company = _company(args)
        written = export(
            company, args.out, args.format, tables=args.tables, with_truth=args.tables is None
        )
    except (ValueError, OSError) as exc:
        print(f"simulate export: {exc}", file=sys.stderr)
        return 1
    tables = sum(1 for name in written if name not in ("truth", "manifest"))
    print(
        f"wrote {tables} tables ({args.format}) and {len(written['truth'])} truth files "
        f"to {args.out}",
        flush=True,
    )
    return 0


def main(argv: list[str] | None = None, prog: str = "simulator") -> int:
    try:
        args = build_parser(prog).parse_args(argv)
    except _UsageError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    if args.command == "simulate":
        return _export(args)
    return _serve(args)
