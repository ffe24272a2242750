"""The Arrow parsers behind the files source: strict where Arrow alone is lenient."""

from __future__ import annotations

import datetime as dt
import decimal
import re

import pyarrow as pa
import pytest

from ingestion.sources.files.mapping import FieldMapping
from ingestion.sources.files.parsing import format_regex, parse_field
from ingestion.sources.files.settings import DEFAULT_DATE_FORMATS, DEFAULT_TIMESTAMP_FORMATS

UTC = dt.UTC


def parse(raw: list | pa.Array, type_: str, **options) -> tuple[list, list[str | None]]:
    """Parsed values, and per row the reason it failed (None when it parsed or was empty)."""
    if "formats" not in options and type_ in ("date", "timestamp"):
        options["formats"] = DEFAULT_DATE_FORMATS if type_ == "date" else DEFAULT_TIMESTAMP_FORMATS
    spec = FieldMapping(name="f", type=type_, column="c", **options)
    array = raw if isinstance(raw, pa.Array) else pa.array(raw, pa.string())
    parsed = parse_field(array, spec)
    reasons: list[str | None] = [None] * len(array)
    for mask, reason in parsed.problems:
        for i, failed in enumerate(mask.to_pylist()):
            if failed:
                assert reasons[i] is None, "a value fails one check only"
                reasons[i] = reason
    return parsed.values.to_pylist(), reasons


def test_dates_in_a_format_reject_impossible_and_short_years() -> None:
    values, reasons = parse(
        [
            "2024-02-29",
            "2023-02-29",
            "2024-04-31",
            "24-01-05",
            "2024-1-5",
            " 2024-01-05 ",
            "",
            None,
        ],
        "date",
        formats=("%Y-%m-%d",),
    )
    assert values == [
        dt.date(2024, 2, 29),
        None,
        None,
        None,
        dt.date(2024, 1, 5),
        dt.date(2024, 1, 5),
        None,
        None,
    ]
    assert [r is not None for r in reasons] == [False, True, True, True, False, False, False, False]


def test_two_digit_years_and_leap_days() -> None:
    values, reasons = parse(["29/02/24", "29/02/23", "31/12/99"], "date", formats=("%d/%m/%y",))
    assert values == [dt.date(2024, 2, 29), None, dt.date(1999, 12, 31)]
    assert reasons[1] == "not a date in the format %d/%m/%y"


def test_iso_timestamps_with_offsets_fractions_and_dates() -> None:
    values, reasons = parse(
        [
            "2024-01-05T10:11:12Z",
            "2024-01-05T10:11:12+02:00",
            "2024-01-05 10:11:12.5",
            "2024-01-05T10:11",
            "2024-01-05",
            "2024-01-05T25:00:00",
            "yesterday",
        ],
        "timestamp",
    )
    assert values == [
        dt.datetime(2024, 1, 5, 10, 11, 12, tzinfo=UTC),
        dt.datetime(2024, 1, 5, 8, 11, 12, tzinfo=UTC),
        dt.datetime(2024, 1, 5, 10, 11, 12, 500000, tzinfo=UTC),
        dt.datetime(2024, 1, 5, 10, 11, tzinfo=UTC),
        dt.datetime(2024, 1, 5, tzinfo=UTC),
        None,
        None,
    ]
    assert reasons[-2].startswith("not a timestamp in the format %Y-%m-%dT%H:%M:%S%z or")


def test_naive_timestamps_are_read_in_the_mapping_time_zone() -> None:
    values, _ = parse(
        ["2024-07-01 09:00:00", "2024-12-01 09:00:00"], "timestamp", timezone="America/New_York"
    )
    assert values == [
        dt.datetime(2024, 7, 1, 13, tzinfo=UTC),
        dt.datetime(2024, 12, 1, 14, tzinfo=UTC),
    ]


def test_several_formats_are_tried_in_order() -> None:
    values, reasons = parse(
        ["2024-01-05", "05.01.2024", "Jan 5 2024", "5/1/2024"],
        "date",
        formats=("%Y-%m-%d", "%d.%m.%Y", "%b %d %Y"),
    )
    assert values == [dt.date(2024, 1, 5)] * 3 + [None]
    assert reasons[3] == "not a date in the format %Y-%m-%d or %d.%m.%Y or %b %d %Y"


def test_decimals_round_at_four_places_and_refuse_what_is_not_a_number() -> None:
    values, reasons = parse(
        ["1054", "-12.5", "0.123456", ".5", "1e3", "12O0", "99999999999999", "100000000000000"],
        "decimal",
    )
    assert values == [
        decimal.Decimal("1054.0000"),
        decimal.Decimal("-12.5000"),
        decimal.Decimal("0.1235"),
        decimal.Decimal("0.5000"),
        None,
        None,
        decimal.Decimal("99999999999999.0000"),
        None,
    ]
    assert reasons[5] == "not a decimal number (at most 14 digits before the point)"


def test_number_separators() -> None:
    values, _ = parse(
        ["1.234,5", "12", "-0,25"], "decimal", decimal_separator=",", thousands_separator="."
    )
    assert values == [
        decimal.Decimal("1234.5000"),
        decimal.Decimal("12.0000"),
        decimal.Decimal("-0.2500"),
    ]
    values, _ = parse(["1,234.5", "2e3", "nan", "inf"], "number", thousands_separator=",")
    assert values == [1234.5, 2000.0, None, None]


def test_integers_accept_a_trailing_zero_fraction_only() -> None:
    values, reasons = parse(["12", "12.0", "-3", "12.5", "1" * 19], "integer")
    assert values == [12, 12, -3, None, None]
    assert reasons[3] == "not an integer"


def test_booleans_and_currencies() -> None:
    values, reasons = parse(["Yes", "n", "TRUE", "0", "maybe"], "boolean")
    assert values == [True, False, True, False, None]
    assert reasons[4] is not None
    values, reasons = parse(["usd", " EUR ", "Dollar", "US"], "currency")
    assert values == ["USD", "EUR", None, None]


def test_value_maps_are_strict_and_checked_against_the_allowed_values() -> None:
    values, reasons = parse(
        ["Won", "Lost", "Pending", "won"],
        "string",
        values={"Won": "won", "Lost": "lost", "Pending": "pending"},
        allowed=("open", "won", "lost"),
    )
    assert values == ["won", "lost", None, None]
    assert reasons[2] == "not one of open, won, lost"
    assert reasons[3].startswith("unknown value")


def test_typed_parquet_columns_are_cast_not_reparsed() -> None:
    stamps = pa.array([dt.datetime(2024, 1, 5, 9, 30), None], pa.timestamp("ms"))
    values, _ = parse(stamps, "timestamp", timezone="Europe/Paris")
    assert values == [dt.datetime(2024, 1, 5, 8, 30, tzinfo=UTC), None]
    values, _ = parse(pa.array([1.23456, 2.0]), "decimal")
    assert values == [decimal.Decimal("1.2346"), decimal.Decimal("2.0000")]
    values, reasons = parse(pa.array([1.5, float("nan")]), "integer")
    assert values == [None, None]
    assert reasons == ["not an integer", "not an integer"]
    values, _ = parse(pa.array([7, 8]), "string")
    assert values == ["7", "8"]


@pytest.mark.parametrize(
    ("fmt", "matches", "rejects"),
    [
        ("%Y-%m-%d", "2024-01-05", "24-01-05"),
        ("%d.%m.%Y %H:%M", "05.01.2024 10:11", "05-01-2024 10:11"),
        ("%Y-%m-%dT%H:%M:%S%z", "2024-01-05T10:11:12+0200", "2024-01-05T10:11:12 CET"),
        ("%m/%d/%Y %I:%M %p", "01/05/2024 10:11 PM", "01/05/2024 10:11"),
    ],
)
def test_a_format_reads_its_own_shape_only(fmt: str, matches: str, rejects: str) -> None:
    values, reasons = parse([matches, rejects], "timestamp", formats=(fmt,))
    assert values[0] is not None and reasons[0] is None
    assert values[1] is None and reasons[1] == f"not a timestamp in the format {fmt}"


def test_unsupported_directives_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported directive %Q"):
        format_regex("%Y %Q")


# Values on both sides of every rule of the ISO 8601 formats: what Arrow's cast reads, what only
# the formats read (one-digit fields, comma fractions, nanoseconds), and what neither should.
ISO_EDGE_CASES = [
    "2024-01-31T10:11:12.345Z",
    "2024-01-31T10:11:12Z",
    "2024-01-31 10:11:12+02:00",
    "2024-01-31T10:11:12-0530",
    "2024-01-31T10:11:12.123456789Z",
    "2024-01-31T10:11:12,5Z",
    "2024-01-31T10:11:12",
    "2024-01-31 10:11:12.5",
    "2024-01-31T10:11",
    "2024-01-31 10:11",
    "2024-01-31",
    "2024-1-5",
    "2024-01-5 1:2:3",
    "2024-03-31T02:30:00",  # a DST gap in Europe/Paris
    "2024-10-27T02:30:00",  # a DST fold in Europe/Paris
    "2024-02-30T10:00:00Z",
    "2023-02-29",
    "2024-01-31T24:00:00",
    "2024-01-31T10",
    "2024-01-31T10:11:12+2",
    "24-01-31",
    "31.01.2024",
    "",
    None,
]


@pytest.mark.parametrize("timezone", ["UTC", "Europe/Paris"])
@pytest.mark.parametrize(
    ("type_", "formats"),
    [
        ("timestamp", DEFAULT_TIMESTAMP_FORMATS),
        ("timestamp", ("%Y-%m-%d",)),
        ("timestamp", ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d")),
        ("date", DEFAULT_DATE_FORMATS),
        ("date", ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d")),
    ],
)
def test_iso_values_parse_through_arrow_exactly_as_through_the_formats(
    monkeypatch: pytest.MonkeyPatch, type_: str, formats: tuple[str, ...], timezone: str
) -> None:
    """Arrow's cast reads ISO 8601 values many times faster than the format path; whatever the
    values of a batch, the result and the rows rejected are the format path's."""
    from ingestion.sources.files import parsing

    impossible = {"2024-02-30T10:00:00Z", "2023-02-29", "2024-01-31T24:00:00"}
    rows = ISO_EDGE_CASES * 3  # the same values several times in one batch
    possible = [v for v in rows if v not in impossible]
    taken = []
    fast_path = parsing._iso_fast_path

    def spy(text, spec):
        result = fast_path(text, spec)
        taken.append(result is not None)
        return result

    zoned = [v for v in possible if v and re.search(r"(Z|[+-]\d{2}:?\d{2})$", v)]
    naive = [v for v in possible if v not in zoned]
    # Mixed batches, and batches of one shape (one cast of the whole column), either shape
    # first (the column's first value decides which is tried first).
    batches = [rows, possible, [v for v in possible if v and v.endswith("Z")], zoned, naive]
    batches += [[None, " ", *zoned, *naive], [None, *naive, *zoned]]
    for values in batches:
        with monkeypatch.context() as patch:
            patch.setattr(parsing, "_iso_fast_path", spy)
            fast = parse(values, type_, formats=formats, timezone=timezone)
        with monkeypatch.context() as patch:
            patch.setattr(parsing, "_iso_fast_path", lambda text, spec: None)
            slow = parse(values, type_, formats=formats, timezone=timezone)
        assert fast == slow, values
    if "%Y-%m-%dT%H:%M:%SZ" not in formats or timezone == "UTC":
        assert taken[1:] == [True] * 6, "Arrow read the batches without an impossible day"
