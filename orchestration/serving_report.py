"""What the serving warehouse holds, read the way a BI tool reads it: read-only, from the
published marts of whichever warehouse this is (`ingestion.warehouse.published_warehouse`)."""

from ingestion.warehouse import PublishedWarehouse


def read_publication(serving: PublishedWarehouse) -> list[tuple]:
    """(published_at, run_id, schema, table, rows) of the latest publication."""
    publications = serving.relation("salespulse", "publications")
    data_as_of = serving.relation("salespulse", "data_as_of")
    return serving.execute(
        f"""
        select published_at, run_id, table_schema, table_name, row_count
        from {publications}
        where run_id = (select run_id from {data_as_of}) and table_name is not null
        order by table_schema, table_name
        """
    ).fetchall()


def kpi_summary(serving: PublishedWarehouse, top: int = 3) -> str:
    """Company bookings, won and lost deals and win rate in the last complete month (as of the
    marts' as-of date) in which a deal closed, and its top reps by bookings: read from the sales
    marts (company_performance, rep_performance), never recomputed here."""
    company = serving.execute(
        f"""
        select period_start_date, bookings, won_deals, lost_deals, win_rate, reporting_currency
        from {serving.relation("sales", "company_performance")}
        where period_grain = 'month' and is_period_complete and won_deals + lost_deals > 0
        order by period_start_date desc
        limit 1
        """
    ).fetchone()
    if company is None:
        return "No deal has closed yet: the marts are empty of bookings."
    month, bookings, won, lost, win_rate, currency = company
    leaders = serving.execute(
        f"""
        select rep_name, bookings, won_deals, win_rate
        from {serving.relation("sales", "rep_performance")}
        where period_grain = 'month' and period_start_date = ? and rep_id != 'unassigned'
        order by bookings desc, rep_name limit ?
        """,
        [month, top],
    ).fetchall()
    lines = [
        f"{month:%B %Y}: bookings {bookings:,.2f} {currency}, {won} won, {lost} lost, "
        f"win rate {_percent(win_rate)}",
        "Top reps by bookings:",
    ]
    for name, rep_bookings, rep_won, rep_win_rate in leaders:
        lines.append(
            f"  {name:<24} {rep_bookings:>14,.2f} {currency}  {rep_won:>3} won  "
            f"win rate {_percent(rep_win_rate)}"
        )
    return "\n".join(lines)


def _percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.0%}"
