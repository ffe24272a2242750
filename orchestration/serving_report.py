"""What the serving warehouse holds, read the way a BI tool reads it: read-only."""

from pathlib import Path

import duckdb


def read_publication(serving_path: Path) -> list[tuple]:
    """(published_at, run_id, schema, table, rows) of the latest publication."""
    with duckdb.connect(str(serving_path), read_only=True) as con:
        return con.execute(
            """
            select published_at, run_id, table_schema, table_name, row_count
            from salespulse.publications
            where run_id = (select run_id from salespulse.data_as_of)
            order by table_schema, table_name
            """
        ).fetchall()


def kpi_summary(serving_path: Path, top: int = 3) -> str:
    """Company bookings, won and lost deals and win rate in the last complete month, and its
    top reps by bookings."""
    with duckdb.connect(str(serving_path), read_only=True) as con:
        month = con.execute(
            """
            select max(month_start_date) from sales.rep_performance_monthly
            where month_start_date < date_trunc('month', current_date) and won_deals + lost_deals > 0
            """
        ).fetchone()[0]
        if month is None:
            return "No deal has closed yet: the marts are empty of bookings."
        bookings, won, lost, currency = con.execute(
            """
            select sum(bookings), sum(won_deals), sum(lost_deals), any_value(reporting_currency)
            from sales.rep_performance_monthly where month_start_date = ?
            """,
            [month],
        ).fetchone()
        leaders = con.execute(
            """
            select rep_name, bookings, won_deals, win_rate
            from sales.rep_performance_monthly where month_start_date = ?
            order by bookings desc, rep_name limit ?
            """,
            [month, top],
        ).fetchall()
    win_rate = f"{won / (won + lost):.0%}" if won + lost else "n/a"
    lines = [
        f"{month:%B %Y}: bookings {bookings:,.2f} {currency}, {won} won, {lost} lost, "
        f"win rate {win_rate}",
        "Top reps by bookings:",
    ]
    for name, rep_bookings, rep_won, rep_win_rate in leaders:
        rate = f"{rep_win_rate:.0%}" if rep_win_rate is not None else "n/a"
        lines.append(
            f"  {name:<24} {rep_bookings:>14,.2f} {currency}  {rep_won:>3} won  win rate {rate}"
        )
    return "\n".join(lines)
