"""`python -m simulator demo-api ...` serves the demo company until SIGTERM or SIGINT;
`python -m simulator simulate export --out DIR ...` writes it as files with its truth.

`salespulse demo-api ...` and `salespulse simulate ...` delegate here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys
import threading

from simulator.scales import SCALES


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


def _company_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scale", default="small", choices=list(SCALES))
    parser.add_argument("--as-of", type=_as_of, default=None, help="YYYY-MM-DD, default today UTC")
    parser.add_argument(
        "--advance-days",
        type=_non_negative(float),
        default=0.0,
        help="move the clock this many days past the end of --as-of (default 0)",
    )
    parser.add_argument(
        "--multi-currency",
        action="store_true",
        help="deals in several currencies (off by default: the marts cannot convert yet)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="simulator", description="SalesPulse demo company.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo-api",
        help="serve the demo company's HubSpot- and Typeform-compatible APIs until stopped",
        description="Serve the demo company's HubSpot- and Typeform-compatible APIs until "
        "SIGTERM/SIGINT. Prints one line with the address once it is listening.",
    )
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    _company_arguments(demo)
    demo.add_argument("--token", default="demo-token", help="bearer token clients must send")
    faults = demo.add_argument_group("fault injection (all off by default; N counts requests)")
    faults.add_argument("--fault-429-every", type=_non_negative(int), default=0, metavar="N")
    faults.add_argument("--retry-after", type=_non_negative(int), default=1, metavar="SECONDS")
    faults.add_argument("--fault-5xx-every", type=_non_negative(int), default=0, metavar="N")
    faults.add_argument("--fault-5xx-status", type=int, default=503, metavar="STATUS")
    faults.add_argument("--fault-slow-every", type=_non_negative(int), default=0, metavar="N")
    faults.add_argument("--slow-seconds", type=_non_negative(float), default=2.0)
    faults.add_argument("--fault-drop-every", type=_non_negative(int), default=0, metavar="N")
    faults.add_argument(
        "--fault-html-every",
        type=_non_negative(int),
        default=0,
        metavar="N",
        help="a proxy's HTML page instead of the API's JSON",
    )
    faults.add_argument("--fault-html-status", type=int, default=200, metavar="STATUS")
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
    actions = simulate.add_subparsers(dest="action", required=True)
    export = actions.add_parser(
        "export",
        help="write every entity as CSV and/or Parquet, with truth files and a manifest",
        description="Write the demo company (at its clock) as export files into --out, with "
        "truth/ files for tests and manifest.json.",
    )
    export.add_argument("--out", required=True, help="output directory (created if missing)")
    _company_arguments(export)
    export.add_argument("--format", default="csv", choices=["csv", "parquet", "both"])
    return parser


def _company(args: argparse.Namespace):
    from simulator.company import generate_company

    company = generate_company(
        seed=args.seed, scale=args.scale, as_of=args.as_of, multi_currency=args.multi_currency
    )
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
        print(f"simulator demo-api: {exc}", file=sys.stderr)
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
        print(f"simulator demo-api: cannot listen on {where}: {exc}", file=sys.stderr)
        return 1
    with api:
        print(f"SalesPulse demo API listening on {api.base_url}", flush=True)
        stop.wait()
    return 0


def _export(args: argparse.Namespace) -> int:
    from simulator.exports import export

    try:
        company = _company(args)
        written = export(company, args.out, args.format)
    except (ValueError, OSError) as exc:
        print(f"simulator simulate export: {exc}", file=sys.stderr)
        return 1
    tables = sum(1 for name in written if name not in ("truth", "manifest"))
    print(
        f"wrote {tables} tables ({args.format}) and {len(written['truth'])} truth files "
        f"to {args.out}",
        flush=True,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except _UsageError as exc:
        print(f"simulator: error: {exc}", file=sys.stderr)
        return 2
    if args.command == "simulate":
        return _export(args)
    return _serve(args)
