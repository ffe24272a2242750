"""The public Maven CRM export loads through its shipped mapping alone, with every one of its
8,800 opportunities accounted for, checked against counts computed independently with pandas."""

from __future__ import annotations

import decimal
from pathlib import Path

import pandas as pd
import pytest
from files_helpers import DATASET, load, query, scalar

from ingestion import PROJECT_ROOT
from ingestion.sources.files import load_mapping

MAPPING = PROJECT_ROOT / "ingestion" / "mappings" / "maven_crm.yml"
MAVEN_DIR = load_mapping(MAPPING).base_dir

pytestmark = pytest.mark.skipif(
    not (MAVEN_DIR / "sales_pipeline.csv").exists(), reason=f"Maven export not at {MAVEN_DIR}"
)

STATUS_OF_STAGE = {"Won": "won", "Lost": "lost", "Engaging": "open", "Prospecting": "open"}


@pytest.fixture(scope="module")
def pipeline_csv() -> pd.DataFrame:
    """The opportunities as pandas reads them, the independent side of every comparison."""
    return pd.read_csv(MAVEN_DIR / "sales_pipeline.csv", dtype=str, keep_default_na=False)


def test_the_mapping_ships_and_validates() -> None:
    mapping = load_mapping(MAPPING)
    assert set(mapping.entities) == {"deals", "reps", "accounts"}
    assert mapping.entities["deals"].primary_key == ("deal_id",)
    assert mapping.entities["deals"].write_disposition == "merge"


def test_every_opportunity_is_loaded_or_quarantined(
    warehouse_home: Path, pipeline_csv: pd.DataFrame
) -> None:
    info = load(MAPPING)

    assert len(info.loads_ids) == 1
    load_id = info.loads_ids[0]
    schema = info.pipeline.default_schema
    for table in ("deals", "reps", "accounts", "quarantine", "load_accounting"):
        assert table in schema.tables, table
    deal_columns = schema.get_table_columns("deals")
    assert deal_columns["deal_id"]["primary_key"] is True
    assert deal_columns["amount"]["data_type"] == "decimal"
    assert deal_columns["created_at"]["data_type"] == "timestamp"
    assert {"_source_file", "_source_row_number", "_dlt_load_id"} <= set(deal_columns)

    expected = len(pipeline_csv)
    assert expected == 8800
    loaded = scalar(f"select count(*) from {DATASET}.deals")
    quarantined = scalar(
        f"select count(distinct row_number) from {DATASET}.quarantine where entity = 'deals'"
    )
    assert loaded + quarantined == expected
    assert quarantined == 0  # the export is clean once its quirks are mapped
    assert scalar(f"select count(distinct deal_id) from {DATASET}.deals") == expected
    assert {row[0] for row in query(f"select deal_id from {DATASET}.deals")} == set(
        pipeline_csv["opportunity_id"]
    )

    accounting = query(
        f"select entity, file, rows_read, rows_loaded, rows_quarantined, load_id "
        f"from {DATASET}.load_accounting order by entity"
    )
    assert accounting == [
        ("accounts", "accounts.csv", 85, 85, 0, load_id),
        ("deals", "sales_pipeline.csv", 8800, 8800, 0, load_id),
        ("reps", "sales_teams.csv", 35, 35, 0, load_id),
    ]


def test_statuses_and_won_amount_match_pandas(
    warehouse_home: Path, pipeline_csv: pd.DataFrame
) -> None:
    load(MAPPING)

    expected_status = pipeline_csv["deal_stage"].map(STATUS_OF_STAGE).value_counts().to_dict()
    status = dict(query(f"select status, count(*) from {DATASET}.deals group by status"))
    assert status == expected_status == {"won": 4238, "lost": 2473, "open": 2089}

    won = pipeline_csv[pipeline_csv["deal_stage"] == "Won"]
    expected_won = sum(decimal.Decimal(value) for value in won["close_value"])
    assert scalar(f"select sum(amount) from {DATASET}.deals where status = 'won'") == expected_won
    assert expected_won == decimal.Decimal(10005534)

    # The quirks: open deals have no close date or amount, Prospecting ones no engage date.
    assert (
        scalar(
            f"select count(*) from {DATASET}.deals "
            "where status = 'open' and (closed_at is not null or amount is not null)"
        )
        == 0
    )
    prospecting = int((pipeline_csv["deal_stage"] == "Prospecting").sum())
    assert scalar(f"select count(*) from {DATASET}.deals where created_at is null") == prospecting
    no_account = int((pipeline_csv["account"] == "").sum())
    assert scalar(f"select count(*) from {DATASET}.deals where account_id is null") == no_account
    assert scalar(f"select count(distinct currency) from {DATASET}.deals") == 1


def test_fields_are_typed_and_traceable(warehouse_home: Path, pipeline_csv: pd.DataFrame) -> None:
    load(MAPPING)

    row = query(
        f"select deal_id, owner_rep_id, account_id, stage_id, status, amount, currency, "
        f"cast(created_at as varchar), cast(closed_at as varchar), product, "
        f"_source_file, _source_row_number from {DATASET}.deals where deal_id = 'Z063OYW0'"
    )
    assert row == [
        (
            "Z063OYW0",
            "Darcel Schlecht",
            "Isdom",
            "Won",
            "won",
            decimal.Decimal("4514.0000"),
            "USD",
            "2016-10-25 00:00:00+00",
            "2017-03-11 00:00:00+00",
            "GTX Pro",  # conformed from the export's "GTXPro" to the product list's spelling
            "sales_pipeline.csv",
            2,
        )
    ]
    products = pd.read_csv(MAVEN_DIR / "products.csv")
    loaded_products = {r[0] for r in query(f"select distinct product from {DATASET}.deals")}
    assert loaded_products == set(products["product"])

    # Every deal's owner is a rep and every named account an account: the keys join.
    assert (
        scalar(
            f"select count(*) from {DATASET}.deals d left join {DATASET}.reps r "
            "on d.owner_rep_id = r.rep_id where r.rep_id is null"
        )
        == 0
    )
    assert (
        scalar(
            f"select count(*) from {DATASET}.deals d left join {DATASET}.accounts a "
            "on d.account_id = a.account_id where d.account_id is not null and a.account_id is null"
        )
        == 0
    )
    assert query(
        f"select team_id, regional_office from {DATASET}.reps where rep_id = 'Anna Snelling'"
    ) == [("Dustin Brinkmann", "Central")]
    assert query(
        f"select industry, country, year_established, revenue_musd, employees "
        f"from {DATASET}.accounts where account_id = 'Acme Corporation'"
    ) == [("technolgy", "United States", 1996, decimal.Decimal("1100.0400"), 2822)]


def test_rerun_merges_without_duplicates_and_accounts_again(warehouse_home: Path) -> None:
    first = load(MAPPING)
    second = load(MAPPING)

    assert first.loads_ids != second.loads_ids
    assert scalar(f"select count(*) from {DATASET}.deals") == 8800
    assert scalar(f"select count(distinct deal_id) from {DATASET}.deals") == 8800
    assert scalar(f"select count(*) from {DATASET}.reps") == 35
    assert scalar(f"select count(*) from {DATASET}.accounts") == 85
    # Nothing changed: every row keeps the load that last changed it, the first; each load has
    # its own accounting rows, the second's all unchanged.
    assert query(f"select distinct _dlt_load_id from {DATASET}.deals") == [(first.loads_ids[0],)]
    per_load = query(
        f"select load_id, sum(rows_read), sum(rows_loaded), sum(rows_quarantined), "
        f"sum(rows_unchanged) from {DATASET}.load_accounting group by load_id order by load_id"
    )
    assert per_load == [
        (first.loads_ids[0], 8920, 8920, 0, 0),
        (second.loads_ids[0], 8920, 8920, 0, 8920),
    ]


def test_load_accounting_matches_the_tables(warehouse_home: Path) -> None:
    """rows_read = rows_loaded + rows_quarantined, and both sides are what the tables hold."""
    load(MAPPING)
    mismatches = query(
        f"""
        with loaded as (
            select 'deals' as entity, _source_file as file, _dlt_load_id as load_id,
                count(*) as n from {DATASET}.deals group by all
            union all
            select 'reps', _source_file, _dlt_load_id, count(*) from {DATASET}.reps group by all
            union all
            select 'accounts', _source_file, _dlt_load_id, count(*)
            from {DATASET}.accounts group by all
        ),
        quarantined as (
            select entity, file, load_id, count(distinct row_number) as n
            from {DATASET}.quarantine group by all
        )
        select a.entity, a.file
        from {DATASET}.load_accounting as a
        left join loaded as l using (entity, file, load_id)
        left join quarantined as q using (entity, file, load_id)
        where a.rows_read != a.rows_loaded + a.rows_quarantined
            or a.rows_loaded != coalesce(l.n, 0)
            or a.rows_quarantined != coalesce(q.n, 0)
        """
    )
    assert mismatches == []
