"""`salespulse metrics`: list the semantic layer's metrics and their group-by items, and query
them against the serving warehouse (read-only) through MetricFlow's Python API."""

from __future__ import annotations

import argparse
import json
import math
from decimal import Decimal
from pathlib import Path

import pandas as pd

FORMATS = ("table", "csv", "json")


def add_metrics_command(commands: argparse._SubParsersAction) -> None:
    """The `metrics` command and its subcommands, on the `salespulse` parser."""
    metrics = commands.add_parser(
        "metrics",
        help="query the semantic layer's metrics by any dimension",
        description=__doc__,
    )
    actions = metrics.add_subparsers(dest="metrics_command", required=True, metavar="ACTION")

    listing = actions.add_parser("list", help="every metric, with its definition")
    _common(listing)
    listing.set_defaults(handler=_list)

    dimensions = actions.add_parser("dimensions", help="the group-by items of some metrics")
    dimensions.add_argument("--metrics", required=True, type=_names, help="comma-separated")
    _common(dimensions)
    dimensions.set_defaults(handler=_dimensions)

    query = actions.add_parser(
        "query",
        help="metrics split by group-by items",
        description="Metrics split by group-by items, e.g. --metrics win_rate "
        "--group-by deal__lead_source,metric_time__fiscal_quarter. Filters use MetricFlow's "
        "syntax: --where \"{{ Dimension('deal__lead_source') }} = 'organic_search'\".",
    )
    query.add_argument("--metrics", required=True, type=_names, help="comma-separated")
    query.add_argument(
        "--group-by",
        type=_names,
        default=[],
        help="comma-separated: metric_time__<day|week|month|quarter|fiscal_quarter|year|"
        "fiscal_year>, rep, team, team__team_name, account__industry, deal__lead_source, ... "
        "(default: none, the metrics' totals)",
    )
    query.add_argument(
        "--where", action="append", default=[], help="a filter (repeatable; default: none)"
    )
    query.add_argument(
        "--order",
        type=_names,
        default=[],
        help="comma-separated; -name for descending (default: the group-by items in order)",
    )
    query.add_argument("--limit", type=int, help="at most this many rows (default: all)")
    query.add_argument(
        "--explain",
        action="store_true",
        help="print the SQL instead of running it (default: run it)",
    )
    _common(query)
    query.set_defaults(handler=_query)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=FORMATS, default="table", help="output format (default: %(default)s)"
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        help="a published DuckDB file (default: the serving warehouse)",
    )


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _list(args: argparse.Namespace) -> int:
    from semantic.layer import semantic_layer

    infos = semantic_layer(args.warehouse).list_metrics()
    if args.format == "table":
        for info in infos:
            print(f"{info.name}  ({info.type})\n    {info.description}")
        return 0
    frame = pd.DataFrame(
        [(m.name, m.type, m.label, m.description) for m in infos],
        columns=["metric", "type", "label", "definition"],
    )
    print(_render(frame, args.format))
    return 0


def _dimensions(args: argparse.Namespace) -> int:
    from semantic.layer import semantic_layer

    names = semantic_layer(args.warehouse).list_group_bys(args.metrics)
    print(_render(pd.DataFrame({"group_by": names}), args.format))
    return 0


def _query(args: argparse.Namespace) -> int:
    from semantic.layer import semantic_layer

    layer = semantic_layer(args.warehouse)
    request = dict(
        metrics=args.metrics,
        group_by=args.group_by,
        where=args.where,
        order=args.order,
        limit=args.limit,
    )
    if args.explain:
        print(layer.explain(**request))
        return 0
    result = layer.query(**request)
    print(_render(result.frame, args.format))
    return 0


def _render(frame: pd.DataFrame, fmt: str) -> str:
    if fmt == "csv":
        return frame.to_csv(index=False).rstrip("\n")
    if fmt == "json":
        records = [
            {column: _json_value(value) for column, value in row.items()}
            for row in frame.to_dict(orient="records")
        ]
        return json.dumps(records, indent=2, default=str)
    if frame.empty:
        return "(no rows)"
    shown = frame.astype(object).where(frame.notna(), "NULL")
    with pd.option_context("display.max_colwidth", 60, "display.width", 250):
        return shown.to_string(index=False)


def _json_value(value: object) -> object:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value
