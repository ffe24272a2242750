"""`salespulse digest` and `salespulse brief`: a team's weekly digest and a rep's one-on-one
brief, rendered from the published marts."""

import argparse

from ingestion.warehouse import salespulse_home, serving_warehouse_path
from salespulse.settings import current_settings


def require_duckdb_serving() -> None:
    """The digest and the briefs read the serving DuckDB file: on a PostgreSQL warehouse they
    say so, instead of reporting that nothing was published."""
    if current_settings().warehouse == "postgres":
        raise RuntimeError(
            "the weekly digest and the one-on-one briefs read the serving DuckDB file and do not "
            "run on a PostgreSQL warehouse yet (docs/operations.md, Running on PostgreSQL)"
        )


def add_digest_command(commands: argparse._SubParsersAction) -> None:
    """Register `digest` and `brief` on the `salespulse` command's sub-commands."""
    parser = commands.add_parser(
        "digest",
        help="a team's weekly digest, as Markdown and HTML, from the published marts",
        description="Render the weekly digest of one team from serving.duckdb: printed as "
        "Markdown and written to <SALESPULSE_HOME>/digests/<team id>/<week>.md and .html.",
    )
    parser.add_argument("--team", required=True, help="the team's id or name (required)")
    parser.add_argument(
        "--week", help="ISO week such as 2026-W26 (default: the last complete week)"
    )
    parser.set_defaults(handler=_digest)

    brief = commands.add_parser(
        "brief",
        help="a rep's one-on-one brief, as Markdown and HTML, from the published marts",
        description="Render the one-on-one brief of one rep from serving.duckdb: printed as "
        "Markdown and written to <SALESPULSE_HOME>/briefs/<rep id>/<period>.md and .html.",
    )
    brief.add_argument("--rep", required=True, help="the rep's id or name")
    brief.add_argument(
        "--period",
        choices=["month", "fiscal_quarter", "week"],
        default="month",
        help="the grain of the last complete period compared (default month)",
    )
    brief.set_defaults(handler=_brief)


def _serving():
    require_duckdb_serving()
    serving = serving_warehouse_path()
    if not serving.exists():
        raise FileNotFoundError(f"nothing published yet in {serving}: run `salespulse run` first")
    return serving


def _brief(args: argparse.Namespace) -> int:
    from briefings.brief import rep_brief
    from briefings.document import write_document

    brief = rep_brief(_serving(), args.rep, args.period)
    folder = salespulse_home() / "briefs" / brief.rep_id
    markdown, page = write_document(brief.document, folder, brief.period_label)
    print(brief.document.markdown())
    print(f"Written: {markdown} and {page}")
    return 0


def _digest(args: argparse.Namespace) -> int:
    from briefings.digest import team_digest, write_digest

    digest = team_digest(_serving(), args.team, args.week)
    markdown, page = write_digest(digest, salespulse_home())
    print(digest.document.markdown())
    print(f"Written: {markdown} and {page}")
    return 0
