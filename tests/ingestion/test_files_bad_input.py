"""Bad exports never drop a row silently: unparseable values go to quarantine with the reason,
a missing column or a broken file stops the load with an error naming the file, and every load
accounts for every row it read."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed
from files_helpers import (
    DATASET,
    find_error,
    load,
    quarantine,
    query,
    scalar,
    table_exists,
    write_mapping,
)

from ingestion.sources.files import FilesSourceError, MissingColumnError, NoMatchingFileError

DEALS_FIELDS = {
    "deal_id": "id",
    "owner_rep_id": "owner",
    "stage_id": "stage",
    "status": {"column": "stage", "values": {"Won": "won", "Lost": "lost", "Open": "open"}},
    "created_at": {"column": "created", "format": "%Y-%m-%d"},
    "closed_at": {"column": "closed", "format": "%Y-%m-%d"},
    "amount": "amount",
    "currency": {"constant": "USD"},
}

HEADER = "id,owner,stage,created,closed,amount\n"


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    """A folder for the export files and the mapping a test writes."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def deals_mapping(folder: Path, file: str = "deals.csv", **entity: object) -> Path:
    return write_mapping(folder, {"deals": {"file": file, "fields": DEALS_FIELDS, **entity}})


def accounting(entity: str = "deals") -> list[tuple]:
    return query(
        f"select file, rows_read, rows_loaded, rows_quarantined from {DATASET}.load_accounting "
        "where entity = ? order by file",
        entity,
    )


def loaded_ids() -> set[str]:
    return {row[0] for row in query(f"select deal_id from {DATASET}.deals")}


def test_unparseable_values_are_quarantined_with_reasons(
    warehouse_home: Path, exports: Path
) -> None:
    (exports / "deals.csv").write_text(
        HEADER
        + "D1,Ann,Won,2024-01-05,2024-02-01,1200.50\n"
        + "D2,Ann,Won,05/01/2024,2024-02-01,100\n"  # bad date
        + "D3,Bob,Lost,2024-01-05,2024-02-01,12O0\n"  # letter O in the amount
        + "D4,Bob,Negotiation,2024-01-05,,\n"  # stage the mapping does not know
        + "D5,Bob,Open,2024-01-05,,\n"
        + "D6,Cy,Won,2024-01-05,2024-02-30,5\n"  # 30 February does not exist
        + "D7,Cy,Won,2024-01-05,2024-02-01,not much\n"  # bad amount and …
        + ",Cy,Open,2024-01-06,,\n",  # … a row without its key
        encoding="utf-8",
    )
    load(deals_mapping(exports))

    assert loaded_ids() == {"D1", "D5"}
    problems = [
        (q["row_number"], q["column"], q["field"], q["value"], q["reason"])
        for q in quarantine("deals")
    ]
    assert problems == [
        (2, "created", "created_at", "05/01/2024", "not a timestamp in the format %Y-%m-%d"),
        (
            3,
            "amount",
            "amount",
            "12O0",
            "not a decimal number (at most 14 digits before the point)",
        ),
        (
            4,
            "stage",
            "status",
            "Negotiation",
            "unknown value: not in the mapping's values for this field (Won, Lost, Open)",
        ),
        (6, "closed", "closed_at", "2024-02-30", "not a timestamp in the format %Y-%m-%d"),
        (
            7,
            "amount",
            "amount",
            "not much",
            "not a decimal number (at most 14 digits before the point)",
        ),
        (8, "id", "deal_id", None, "required field deal_id has no value"),
    ]
    assert all(q["file"] == "deals.csv" and q["loaded_at"] is not None for q in quarantine())
    assert accounting() == [("deals.csv", 8, 2, 6)]


def test_a_file_whose_rows_are_all_bad_still_reports_them(
    warehouse_home: Path, exports: Path
) -> None:
    (exports / "deals.csv").write_text(
        HEADER + "D1,Ann,Maybe,2024-01-05,,\nD2,Ann,Won,yesterday,,\n", encoding="utf-8"
    )
    load(deals_mapping(exports))

    assert table_exists("deals")  # created, empty, with its canonical columns
    assert scalar(f"select count(*) from {DATASET}.deals") == 0
    assert [(q["row_number"], q["field"]) for q in quarantine()] == [
        (1, "status"),
        (2, "created_at"),
    ]
    assert accounting() == [("deals.csv", 2, 0, 2)]


def test_a_missing_required_column_stops_the_load_naming_file_and_column(
    warehouse_home: Path, exports: Path
) -> None:
    (exports / "deals.csv").write_text(
        "id,owner,created,closed,amount\nD1,Ann,2024-01-05,,\n", encoding="utf-8"
    )
    with pytest.raises(PipelineStepFailed) as failure:
        load(deals_mapping(exports))

    error = find_error(failure.value, MissingColumnError)
    assert (error.file, error.column, error.entity, error.field) == (
        "deals.csv",
        "stage",
        "deals",
        "stage_id",
    )
    assert "deals.csv: missing column 'stage'" in str(failure.value)
    assert not table_exists("deals")


def test_a_malformed_line_stops_the_load_naming_the_row(
    warehouse_home: Path, exports: Path
) -> None:
    (exports / "deals.csv").write_text(
        HEADER + "D1,Ann,Won,2024-01-05,2024-02-01,10\nD2,Ann,Won,2024-01-05,2024-02-01,1,000\n",
        encoding="utf-8",
    )
    with pytest.raises(PipelineStepFailed) as failure:
        load(deals_mapping(exports))

    error = find_error(failure.value, FilesSourceError)
    assert "deals.csv" in str(error)
    assert "row 2 (line 3) has 7 values where the header has 6" in str(error)


def test_no_matching_file_is_an_error(warehouse_home: Path, exports: Path) -> None:
    with pytest.raises(PipelineStepFailed) as failure:
        load(deals_mapping(exports, file="deals_*.csv"))
    assert "no file matches 'deals_*.csv'" in str(find_error(failure.value, NoMatchingFileError))


def test_semicolon_delimited_latin1_with_decimal_commas(
    warehouse_home: Path, exports: Path
) -> None:
    (exports / "deals.csv").write_bytes(
        (
            "id;owner;stage;created;closed;amount\n"
            "D1;Zoë Müller;Won;05.01.2024;01.02.2024;1.234,56\n"
            'D2;"Ann; Jr";Open;06.01.2024;;\n'
        ).encode("latin-1")
    )
    fields = {
        **DEALS_FIELDS,
        "created_at": {"column": "created", "format": "%d.%m.%Y"},
        "closed_at": {"column": "closed", "format": "%d.%m.%Y"},
        "amount": {"column": "amount", "decimal_separator": ",", "thousands_separator": "."},
    }
    write_mapping(
        exports,
        {
            "deals": {
                "file": "deals.csv",
                "csv": {"delimiter": ";", "encoding": "latin-1"},
                "fields": fields,
            }
        },
    )
    load(exports / "mapping.yml")

    rows = query(
        f"select deal_id, owner_rep_id, amount, cast(created_at as date) "
        f"from {DATASET}.deals order by deal_id"
    )
    assert rows == [
        ("D1", "Zoë Müller", decimal.Decimal("1234.5600"), dt.date(2024, 1, 5)),
        ("D2", "Ann; Jr", None, dt.date(2024, 1, 6)),
    ]
    assert quarantine() == []


def test_parquet_export_keeps_its_types_and_quarantines_what_does_not_fit(
    warehouse_home: Path, exports: Path
) -> None:
    table = pa.table(
        {
            "id": ["P1", "P2", "P3", "P4"],
            "owner": ["Ann", "Bob", None, "Cy"],
            "stage": ["Won", "Lost", "Open", "Won"],
            "created": pa.array(
                [dt.datetime(2024, 1, 5, 9, 30), dt.datetime(2024, 1, 6), None, None],
                pa.timestamp("ms"),
            ),
            "closed": ["2024-02-01", "2024-02-02", None, "Feb 1st"],
            "amount": [1200.125, 0.0, None, 10.0],
        }
    )
    pq.write_table(table, exports / "deals.parquet")
    fields = {**DEALS_FIELDS, "created_at": "created", "closed_at": "closed"}
    write_mapping(exports, {"deals": {"file": "deals.parquet", "fields": fields}})
    load(exports / "mapping.yml")

    rows = query(
        f"select deal_id, status, amount, created_at, cast(closed_at as date) "
        f"from {DATASET}.deals order by deal_id"
    )
    utc = dt.UTC
    assert [(r[0], r[1], r[2], r[3] and r[3].astimezone(utc), r[4]) for r in rows] == [
        (
            "P1",
            "won",
            decimal.Decimal("1200.1250"),
            dt.datetime(2024, 1, 5, 9, 30, tzinfo=utc),
            dt.date(2024, 2, 1),
        ),
        (
            "P2",
            "lost",
            decimal.Decimal("0.0000"),
            dt.datetime(2024, 1, 6, tzinfo=utc),
            dt.date(2024, 2, 2),
        ),
        ("P3", "open", None, None, None),
    ]
    assert [(q["row_number"], q["field"], q["value"]) for q in quarantine()] == [
        (4, "closed_at", "Feb 1st")
    ]
    assert accounting() == [("deals.parquet", 4, 3, 1)]


def test_a_repeated_key_is_quarantined_naming_the_first_row(
    warehouse_home: Path, exports: Path
) -> None:
    (exports / "deals_2024-01.csv").write_text(
        HEADER
        + "D1,Ann,Open,2024-01-05,,\nD2,Ann,Open,2024-01-05,,\nD1,Ann,Won,2024-01-05,2024-01-20,9\n",
        encoding="utf-8",
    )
    (exports / "deals_2024-02.csv").write_text(
        HEADER + "D3,Bob,Open,2024-02-05,,\nD2,Ann,Lost,2024-01-05,2024-02-20,0\n",
        encoding="utf-8",
    )
    load(deals_mapping(exports, file="deals_*.csv"))

    assert query(f"select deal_id, status, _source_file from {DATASET}.deals order by 1") == [
        ("D1", "open", "deals_2024-01.csv"),
        ("D2", "open", "deals_2024-01.csv"),
        ("D3", "open", "deals_2024-02.csv"),
    ]
    assert [(q["file"], q["row_number"], q["value"], q["reason"]) for q in quarantine()] == [
        (
            "deals_2024-01.csv",
            3,
            "D1",
            "duplicate primary key (deal_id): first loaded from deals_2024-01.csv row 1",
        ),
        (
            "deals_2024-02.csv",
            2,
            "D2",
            "duplicate primary key (deal_id): first loaded from deals_2024-01.csv row 2",
        ),
    ]
    assert accounting() == [("deals_2024-01.csv", 3, 2, 1), ("deals_2024-02.csv", 2, 1, 1)]


def test_a_repeated_key_with_a_timestamp_is_one_instant_and_quarantined_as_text(
    warehouse_home: Path, exports: Path
) -> None:
    """A key with a timestamp field repeats when it names the same instant, however the file
    writes it; the quarantine shows the key as text, its timestamp as Arrow writes it."""
    (exports / "stages.csv").write_text(
        "deal,stage,entered,exited\n"
        "D1,Open,2024-01-05T09:30:00Z,\n"
        "D1,Won,2024-01-05T09:30:00Z,\n"
        "D1,Open,2024-01-05T10:30:00+01:00,2024-01-06T00:00:00Z\n"
        "D1,Open,2024-01-05T09:30:01Z,\n",
        encoding="utf-8",
    )
    fields = {
        "deal_id": "deal",
        "stage_id": "stage",
        "entered_at": "entered",
        "exited_at": "exited",
    }
    write_mapping(exports, {"deal_stage_history": {"file": "stages.csv", "fields": fields}})
    load(exports / "mapping.yml")

    loaded = query(f"select _source_row_number from {DATASET}.deal_stage_history order by 1")
    assert loaded == [(1,), (2,), (4,)]
    assert [(q["row_number"], q["field"], q["value"], q["reason"]) for q in quarantine()] == [
        (
            3,
            "deal_id, stage_id, entered_at",
            "D1, Open, 2024-01-05 09:30:00.000000Z",
            "duplicate primary key (deal_id, stage_id, entered_at): first loaded from "
            "stages.csv row 1",
        )
    ]
    assert accounting("deal_stage_history") == [("stages.csv", 4, 3, 1)]


def test_a_later_load_updates_rows_in_place(warehouse_home: Path, exports: Path) -> None:
    export = exports / "deals.csv"
    export.write_text(HEADER + "D1,Ann,Open,2024-01-05,,\nD2,Bob,Open,2024-01-05,,\n")
    mapping = deals_mapping(exports)
    load(mapping)
    export.write_text(HEADER + "D1,Ann,Won,2024-01-05,2024-03-01,500\nD3,Cy,Open,2024-03-02,,\n")
    load(mapping)

    assert query(f"select deal_id, status, amount from {DATASET}.deals order by 1") == [
        ("D1", "won", decimal.Decimal("500.0000")),
        ("D2", "open", None),
        ("D3", "open", None),
    ]


def test_an_amount_without_currency_is_quarantined(warehouse_home: Path, exports: Path) -> None:
    (exports / "deals.csv").write_text(
        HEADER.replace("amount", "amount,currency")
        + "D1,Ann,Won,2024-01-05,2024-02-01,10,eur\n"
        + "D2,Ann,Won,2024-01-05,2024-02-01,10,\n"
        + "D3,Ann,Open,2024-01-05,,,\n"
        + "D4,Ann,Won,2024-01-05,2024-02-01,10,euro\n",
        encoding="utf-8",
    )
    fields = {**DEALS_FIELDS, "currency": "currency"}
    write_mapping(exports, {"deals": {"file": "deals.csv", "fields": fields}})
    load(exports / "mapping.yml")

    assert query(f"select deal_id, currency from {DATASET}.deals order by 1") == [
        ("D1", "EUR"),
        ("D3", None),
    ]
    assert [(q["row_number"], q["field"], q["reason"]) for q in quarantine()] == [
        (2, "currency", "amount has a value but currency is empty"),
        (4, "currency", "not a three-letter ISO 4217 currency code"),
    ]


def test_local_times_become_utc_and_unmapped_columns_can_ride_along(
    warehouse_home: Path, exports: Path
) -> None:
    (exports / "activities.csv").write_text(
        "Activity ID,Kind,When,Rep,Call Notes\n"
        "A1,Call,2024-03-31 01:30:00,Ann,left a message\n"
        "A2,E-mail,2024-03-31 03:30:00.250,Ann,\n",
        encoding="utf-8",
    )
    write_mapping(
        exports,
        {
            "activities": {
                "file": "activities.csv",
                "timezone": "Europe/Paris",
                "keep_unmapped_columns": True,
                "fields": {
                    "activity_id": "Activity ID",
                    "type": {"column": "Kind", "values": {"Call": "call", "E-mail": "email"}},
                    "occurred_at": "When",
                    "rep_id": "Rep",
                },
            }
        },
    )
    load(exports / "mapping.yml")

    rows = query(
        f"select activity_id, type, occurred_at, call_notes from {DATASET}.activities order by 1"
    )
    utc = dt.UTC
    assert [(r[0], r[1], r[2].astimezone(utc), r[3]) for r in rows] == [
        ("A1", "call", dt.datetime(2024, 3, 31, 0, 30, tzinfo=utc), "left a message"),
        ("A2", "email", dt.datetime(2024, 3, 31, 1, 30, 0, 250000, tzinfo=utc), None),
    ]


def test_a_quota_plan_without_a_stable_key_is_replaced(warehouse_home: Path, exports: Path) -> None:
    plan = exports / "quotas.csv"
    mapping = write_mapping(
        exports,
        {
            "quotas": {
                "file": "quotas.csv",
                "csv": {"header": False, "column_names": ["rep", "start", "end", "target"]},
                "fields": {
                    "rep_id": "rep",
                    "period_start": "start",
                    "period_end": "end",
                    "target": "target",
                    "currency": {"constant": "USD"},
                    "metric": {"constant": "bookings"},
                },
            }
        },
    )
    plan.write_text("Ann,2024-01-01,2024-03-31,1000\nBob,2024-01-01,2024-03-31,2000\n")
    load(mapping)
    plan.write_text("Ann,2024-01-01,2024-03-31,1500\n")
    load(mapping)

    assert query(f"select rep_id, target, metric from {DATASET}.quotas") == [
        ("Ann", decimal.Decimal("1500.0000"), "bookings")
    ]


def test_a_failed_load_writes_nothing_and_a_fixed_rerun_loads_once(
    warehouse_home: Path, exports: Path
) -> None:
    (exports / "deals.csv").write_text(HEADER + "D1,Ann,Won,2024-01-05,2024-02-01,10\n")
    (exports / "reps.csv").write_text("rep\nAnn\n")
    entities = {
        "deals": {"file": "deals.csv", "fields": DEALS_FIELDS},
        "reps": {"file": "reps.csv", "fields": {"rep_id": "rep", "name": "full_name"}},
    }
    mapping = write_mapping(exports, entities)
    with pytest.raises(PipelineStepFailed) as failure:
        load(mapping)
    assert find_error(failure.value, MissingColumnError).column == "full_name"
    for table in ("deals", "reps", "quarantine", "load_accounting"):
        assert not table_exists(table), table

    (exports / "reps.csv").write_text("rep,full_name\nAnn,Ann Example\n")
    info = load(mapping)
    assert len(info.loads_ids) == 1
    assert scalar(f"select count(*) from {DATASET}.deals") == 1
    assert scalar(f"select count(distinct load_id) from {DATASET}.load_accounting") == 1


def test_bytes_that_are_not_the_declared_encoding_stop_the_load(
    warehouse_home: Path, exports: Path
) -> None:
    (exports / "deals.csv").write_bytes(
        (HEADER + "D1,Zoë,Won,2024-01-05,2024-02-01,10\n").encode("latin-1")
    )
    with pytest.raises(PipelineStepFailed) as failure:
        load(deals_mapping(exports))
    message = str(find_error(failure.value, FilesSourceError))
    assert message.startswith("deals.csv: cannot read as csv for deals:")
    assert "UTF8" in message and "encoding 'utf-8'" in message


def test_a_byte_order_mark_is_not_part_of_the_first_column(
    warehouse_home: Path, exports: Path
) -> None:
    (exports / "deals.csv").write_bytes(
        (HEADER + "D1,Ann,Won,2024-01-05,2024-02-01,10\n").encode("utf-8-sig")
    )
    load(deals_mapping(exports))
    assert loaded_ids() == {"D1"}


def test_the_documented_queries_run(warehouse_home: Path, exports: Path) -> None:
    (exports / "deals.csv").write_text(
        HEADER + "D1,Ann,Won,2024-01-05,2024-02-01,10\nD2,,Won,x,,\n"
    )
    load(deals_mapping(exports))
    assert query(
        f"select entity, file, rows_read, rows_loaded, rows_quarantined "
        f"from {DATASET}.load_accounting "
        "qualify load_id = max(load_id) over (partition by entity)"
    ) == [("deals", "deals.csv", 2, 1, 1)]
    assert query(
        f"select q.reason, count(*) as rows_rejected, any_value(q.value) as example "
        f"from {DATASET}.quarantine as q "
        f"where q.load_id = (select max(load_id) from {DATASET}.load_accounting) "
        "group by q.reason order by rows_rejected desc"
    ) == [("not a timestamp in the format %Y-%m-%d", 1, "x")]
