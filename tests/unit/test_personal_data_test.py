"""The no_personal_data test that every mart carries finds each kind of personal data it looks
for, in any text column, and a column named like personal data, and never an id, a date or a
period label; its cheap first condition (macro may_be_personal_data) lets every kind through."""

import json

import duckdb
import pytest
from dbt_by_hand import dbt_by_hand

pytestmark = pytest.mark.integration

PERSONAL = {
    "jane.doe@example.com": "e-mail address",
    "Call back: j_smith+crm@mail.example.co.uk": "e-mail address",
    "+44 20 7946 0958": "phone number",
    "(555) 123-4567": "phone number",
    "555.123.4567": "phone number",
    "+14155550123": "phone number",
    "SSN 123-45-6789": "social security number",
    "4111 1111 1111 1111": "payment card number",
    "4111-1111-1111-1111": "payment card number",
    "DE89370400440532013000": "IBAN",
    "paid from GB29NWBK60161331926819": "IBAN",
}
NOT_PERSONAL = [
    "files:40006913530", "40006913530", "2026-W07", "2026-02", "FY2026-Q1", "2026-06-30",
    "2026-06-30 12:00:00", "Closed Won", "closedwon", "inbound", "USD", "1234.56", "team:t-01",
]  # fmt: skip


def test_the_personal_data_test_finds_each_kind_and_nothing_else(tmp_path):
    values = list(PERSONAL) + NOT_PERSONAL
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        con.execute("create schema examples")
        con.execute("create table examples.notes (note varchar, other varchar, email varchar)")
        con.executemany(
            "insert into examples.notes values (?, ?, NULL)",
            [(value, values[-1 - i]) for i, value in enumerate(values)],
        )
    test_sql = (
        "{{ test_no_personal_data(api.Relation.create("
        "database='build', schema='examples', identifier='notes')) }}"
    )
    shown = dbt_by_hand(
        tmp_path, "show", "--inline", test_sql, "--output", "json", "--limit", "1000"
    )
    assert shown.returncode == 0, shown.stdout
    rows = json.loads(shown.stdout[shown.stdout.index("{") :])["show"]

    findings = {(row["column_name"], row["value"]): row["finding"] for row in rows}
    expected = {("note", value): kind for value, kind in PERSONAL.items()}
    expected |= {("other", value): kind for value, kind in PERSONAL.items()}
    expected[("email", None)] = "a column named like personal data"
    assert findings == expected
    assert len(rows) == len(expected)
