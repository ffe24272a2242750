"""Arrow-vectorised parsing of export columns into canonical types.

Every parser returns the typed values and, beside them, the rows whose value could not be
parsed with the reason: the caller quarantines those rows instead of loading a NULL in their
place. Nothing here loops over rows in Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.sources.files.settings import (
    ARROW_TYPES,
    DECIMAL_INTEGER_DIGITS,
    DECIMAL_SCALE,
)

if TYPE_CHECKING:
    from ingestion.sources.files.mapping import FieldMapping

# A fraction of a second right after the seconds (`10:11:12.123456`), kept apart because
# Arrow's strptime does not read fractions.
_FRACTION = r"(:\d{2})[.,](\d{1,9})"
_FRACTION_GROUP = r":\d{2}[.,](?P<fraction>\d{1,9})"

_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$"
_DECIMAL = rf"^[+-]?(\d{{1,{DECIMAL_INTEGER_DIGITS}}}(\.\d*)?|\.\d+)$"
_CURRENCY = r"^[A-Z]{3}$"

# strptime directives a mapping may use, and the text each one matches.
_DIRECTIVE_PATTERNS = {
    "Y": r"(?P<Y>\d{4})",
    "y": r"(?P<y>\d{2})",
    "m": r"(?P<m>\d{1,2})",
    "d": r"(?P<d>\d{1,2})",
    "H": r"\d{1,2}",
    "I": r"\d{1,2}",
    "M": r"\d{1,2}",
    "S": r"\d{1,2}",
    "p": r"(?i:am|pm)",
    "b": r"[A-Za-z]{3,9}",
    "B": r"[A-Za-z]{3,9}",
    "a": r"[A-Za-z]{3,9}",
    "A": r"[A-Za-z]{3,9}",
    "j": r"\d{1,3}",
    "z": r"(?:Z|[+-]\d{2}:?\d{2})",
    "%": "%",
}
SUPPORTED_DIRECTIVES = tuple(f"%{d}" for d in _DIRECTIVE_PATTERNS)

_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


@dataclass
class Parsed:
    """Typed values of one field, and the rows whose raw value did not parse."""

    values: pa.Array
    # (rows that failed, reason) pairs; a row fails on at most one of them.
    problems: list[tuple[pa.BooleanArray, str]] = field(default_factory=list)


def format_regex(fmt: str) -> str:
    """The full-match RE2 pattern of the text a strptime format accepts.

    Arrow's strptime is lenient (it reads `16-10-20` as the year 16 with `%Y`); checking the
    shape first keeps such values out of the warehouse. Raises ValueError on an unsupported
    directive.
    """
    out, i = ["^"], 0
    while i < len(fmt):
        char = fmt[i]
        if char == "%":
            if i + 1 >= len(fmt):
                raise ValueError("format ends with a lone '%'")
            directive = fmt[i + 1]
            if directive not in _DIRECTIVE_PATTERNS:
                raise ValueError(
                    f"unsupported directive %{directive} (supported: "
                    f"{', '.join(SUPPORTED_DIRECTIVES)}; a fraction of a second after %S "
                    "is read without a directive)"
                )
            out.append(_DIRECTIVE_PATTERNS[directive])
            i += 2
        else:
            out.append(char if char.isalnum() or char == " " else f"\\x{{{ord(char):x}}}")
            i += 1
    out.append("$")
    return "".join(out)


def check_format(fmt: str, kind: str) -> None:
    """Raise ValueError when a mapping's date/timestamp format cannot be used."""
    format_regex(fmt)
    if "%f" in fmt:
        raise ValueError("remove %f: a fraction of a second after %S is read without it")
    if kind == "date" and "%z" in fmt:
        raise ValueError("a date has no time zone: %z is only for timestamp fields")


def parse_field(raw: pa.Array, spec: FieldMapping) -> Parsed:
    """Parse one column (or constant) of a batch into the field's canonical type."""
    target = ARROW_TYPES[spec.type]
    if not _is_string(raw.type) and spec.values is None:
        typed = _cast_typed(raw, spec)
        if typed is not None:
            return _check_allowed(Parsed(typed), spec)
    text = _clean_text(as_text(raw))
    problems: list[tuple[pa.BooleanArray, str]] = []
    if spec.values is not None:
        text, unknown = _translate(text, spec.values)
        shown = ", ".join(list(spec.values)[:12]) + (", …" if len(spec.values) > 12 else "")
        problems.append(
            (unknown, f"unknown value: not in the mapping's values for this field ({shown})")
        )
    parser = _PARSERS[spec.type]
    values, bad, reason = parser(text, spec)
    if bad is not None:
        problems.append((bad, reason))
    if values.type != target:
        values = values.cast(target)
    return _check_allowed(Parsed(values, problems), spec)


def as_text(values: pa.Array) -> pa.Array:
    """Any column as text: Arrow's cast where it has one, Python's str() otherwise."""
    if pa.types.is_string(values.type):
        return values
    try:
        return values.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([None if v is None else str(v) for v in values.to_pylist()], pa.string())


def _is_string(type_: pa.DataType) -> bool:
    return pa.types.is_string(type_) or pa.types.is_large_string(type_)


def _clean_text(text: pa.Array) -> pa.Array:
    """Trim surrounding whitespace; an empty value is NULL."""
    if pa.types.is_large_string(text.type):
        text = text.cast(pa.string())
    trimmed = pc.utf8_trim_whitespace(text)
    empty = pc.equal(pc.binary_length(trimmed), 0)  # lengths only: no text compared
    if not empty.true_count:  # the common column: no masked copy of its text
        return trimmed
    return pc.if_else(empty, pa.scalar(None, pa.string()), trimmed)


def _invalid(text: pa.Array, values: pa.Array) -> pa.BooleanArray:
    """Rows that had a value before parsing and have none after."""
    return pc.and_(pc.is_valid(text), pc.is_null(values))


def _translate(text: pa.Array, values: dict[str, str]) -> tuple[pa.Array, pa.BooleanArray]:
    """Map raw values through the mapping's `values`; anything not listed is unknown."""
    keys = pa.array(list(values), pa.string())
    outputs = pa.array(list(values.values()), pa.string())
    index = pc.index_in(text, value_set=keys)
    translated = pc.take(outputs, index)
    return translated, _invalid(text, translated)


def _check_allowed(parsed: Parsed, spec: FieldMapping) -> Parsed:
    if spec.allowed is None:
        return parsed
    allowed = pa.array(list(spec.allowed), pa.string())
    outside = pc.and_(
        pc.is_valid(parsed.values), pc.invert(pc.is_in(parsed.values, value_set=allowed))
    )
    parsed.problems.append((outside, f"not one of {', '.join(spec.allowed)}"))
    keep = pc.if_else(outside, pa.scalar(None, parsed.values.type), parsed.values)
    return Parsed(keep, parsed.problems)


# --- typed input (Parquet) -------------------------------------------------------------------


def _cast_typed(raw: pa.Array, spec: FieldMapping) -> pa.Array | None:
    """Cast an already-typed column; None when it must go through the text parsers instead."""
    target = ARROW_TYPES[spec.type]
    source = raw.type
    try:
        if spec.type == "timestamp" and (pa.types.is_timestamp(source) or pa.types.is_date(source)):
            if pa.types.is_date(source) or source.tz is None:
                naive = raw.cast(pa.timestamp("us"))
                return _assume_timezone(naive, spec.timezone)
            return raw.cast(target)
        if spec.type == "date" and (pa.types.is_timestamp(source) or pa.types.is_date(source)):
            return raw.cast(target, safe=False)
        if spec.type == "decimal" and (
            pa.types.is_integer(source)
            or pa.types.is_floating(source)
            or pa.types.is_decimal(source)
        ):
            values = raw
            if pa.types.is_floating(source) or pa.types.is_decimal(source):
                values = pc.round(raw, ndigits=DECIMAL_SCALE)
            return values.cast(target)
        if spec.type in ("integer", "number") and (
            pa.types.is_integer(source) or pa.types.is_floating(source)
        ):
            if pa.types.is_floating(source):
                finite = pc.is_finite(raw)
                if not pc.all(pc.or_(finite, pc.is_null(raw))).as_py():
                    return None
            return raw.cast(target)
        if spec.type == "boolean" and pa.types.is_boolean(source):
            return raw
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return None


# --- text parsers: each returns (values, rows that failed or None, reason) -------------------


def _parse_string(text: pa.Array, spec: FieldMapping):
    return text, None, ""


def _parse_currency(text: pa.Array, spec: FieldMapping):
    upper = pc.utf8_upper(text)
    ok = pc.match_substring_regex(upper, _CURRENCY)
    values = pc.if_else(ok, upper, pa.scalar(None, pa.string()))
    return values, _invalid(text, values), "not a three-letter ISO 4217 currency code"


def _normalise_number(text: pa.Array, spec: FieldMapping) -> pa.Array:
    if spec.thousands_separator:
        text = pc.replace_substring(text, spec.thousands_separator, "")
    if spec.decimal_separator != ".":
        text = pc.replace_substring(text, spec.decimal_separator, ".")
    return text


def _cast_valid(text: pa.Array, pattern: str, target: pa.DataType) -> pa.Array:
    """Cast the values that match `pattern`; the rest become NULL."""
    ok = pc.match_substring_regex(text, pattern)
    candidates = pc.if_else(ok, text, pa.scalar(None, pa.string()))
    try:
        return candidates.cast(target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # A value the pattern admits but the cast refuses (out of range): decide one by one.
        # Only reached on pathological input, so speed does not matter here.
        out = []
        for value in candidates.to_pylist():
            try:
                out.append(None if value is None else pa.array([value]).cast(target)[0].as_py())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                out.append(None)
        return pa.array(out, target)


def _parse_integer(text: pa.Array, spec: FieldMapping):
    text = _normalise_number(text, spec)
    text = pc.replace_substring_regex(text, r"\.0*$", "")
    values = _cast_valid(text, r"^[+-]?\d{1,18}$", pa.int64())
    return values, _invalid(text, values), "not an integer"


def _parse_number(text: pa.Array, spec: FieldMapping):
    text = _normalise_number(text, spec)
    values = _cast_valid(text, _NUMBER, pa.float64())
    values = pc.if_else(pc.is_finite(values), values, pa.scalar(None, pa.float64()))
    return values, _invalid(text, values), "not a number"


def _parse_decimal(text: pa.Array, spec: FieldMapping):
    text = _normalise_number(text, spec)
    # Keep at most 18 decimals, then round half to even at the canonical scale.
    text = pc.replace_substring_regex(text, r"(\.\d{18})\d+$", r"\1")
    wide = _cast_valid(text, _DECIMAL, pa.decimal128(38, 18))
    values = pc.round(wide, ndigits=DECIMAL_SCALE).cast(ARROW_TYPES["decimal"])
    reason = f"not a decimal number (at most {DECIMAL_INTEGER_DIGITS} digits before the point)"
    return values, _invalid(text, values), reason


def _parse_boolean(text: pa.Array, spec: FieldMapping):
    lowered = pc.utf8_lower(text)
    true_values = pa.array([v.lower() for v in spec.true_values], pa.string())
    false_values = pa.array([v.lower() for v in spec.false_values], pa.string())
    is_true = pc.is_in(lowered, value_set=true_values)
    is_false = pc.is_in(lowered, value_set=false_values)
    values = pc.if_else(
        is_true,
        pa.scalar(True),
        pc.if_else(is_false, pa.scalar(False), pa.scalar(None, pa.bool_())),
    )
    reason = f"not a boolean ({'/'.join(spec.true_values)} or {'/'.join(spec.false_values)})"
    return values, _invalid(text, values), reason


def _parse_temporal(text: pa.Array, spec: FieldMapping):
    """ISO 8601 values through Arrow's own parser (a cast), everything else, and whatever the
    cast refuses, through the field's formats (`_parse_with_formats`): the same values, one
    vectorised pass instead of a regex and strptime per format."""
    fast = _iso_fast_path(text, spec)
    if fast is None:
        return _parse_with_formats(text, spec)
    values, rest = fast
    reason = f"not a {spec.type} in the format {' or '.join(spec.formats)}"
    if not pc.any(rest).as_py():
        return values, rest, reason
    slow, pending, reason = _parse_with_formats(pc.filter(text, rest), spec)
    values = pc.replace_with_mask(values, rest, slow)
    bad = pc.replace_with_mask(pa.array(np.zeros(len(text), dtype=bool)), rest, pending)
    return values, bad, reason


# The ISO 8601 formats Arrow's cast reads exactly as strptime would: each with the pattern of
# the text it accepts (two-digit fields, a fraction of at most six digits after the seconds),
# and whether that text carries its offset.
_DATE = r"\d{4}-\d{2}-\d{2}"
_SECONDS = r":\d{2}:\d{2}(?:\.\d{1,6})?"
_ISO_FORMATS = {
    "%Y-%m-%d": (_DATE, False),
    "%Y-%m-%dT%H:%M": (_DATE + r"T\d{2}:\d{2}", False),
    "%Y-%m-%d %H:%M": (_DATE + r" \d{2}:\d{2}", False),
    "%Y-%m-%dT%H:%M:%S": (_DATE + r"T\d{2}" + _SECONDS, False),
    "%Y-%m-%d %H:%M:%S": (_DATE + r" \d{2}" + _SECONDS, False),
    "%Y-%m-%dT%H:%M:%S%z": (_DATE + r"T\d{2}" + _SECONDS + r"(?:Z|[+-]\d{2}:?\d{2})", True),
    "%Y-%m-%d %H:%M:%S%z": (_DATE + r" \d{2}" + _SECONDS + r"(?:Z|[+-]\d{2}:?\d{2})", True),
    # A literal Z: the text is UTC wall-clock time, which only a UTC field reads as written.
    "%Y-%m-%dT%H:%M:%SZ": (_DATE + r"T\d{2}" + _SECONDS + "Z", True),
}


def _first_value_matches(text: pa.Array, patterns: list[str]) -> bool:
    """Whether the column's first value has one of the shapes (only orders the passes)."""
    valid = pc.drop_null(text.slice(0, 1000))
    if not len(valid):
        return False
    return re.fullmatch("|".join(patterns), valid[0].as_py(), re.ASCII) is not None


def _iso_fast_path(text: pa.Array, spec: FieldMapping) -> tuple[pa.Array, pa.Array] | None:
    """(values, rows left for the formats) when every format of the field is ISO 8601 that
    Arrow reads the same way; None when the field's formats or time zone do not allow it, or
    when Arrow refuses a value of the right shape (30 February: the formats decide)."""
    if not spec.formats or any(fmt not in _ISO_FORMATS for fmt in spec.formats):
        return None
    if "%Y-%m-%dT%H:%M:%SZ" in spec.formats and spec.timezone != "UTC":
        return None
    naive = [_ISO_FORMATS[fmt][0] for fmt in spec.formats if not _ISO_FORMATS[fmt][1]]
    zoned = [_ISO_FORMATS[fmt][0] for fmt in spec.formats if _ISO_FORMATS[fmt][1]]
    target = ARROW_TYPES[spec.type]
    empty = pa.scalar(None, pa.string())
    values = pa.nulls(len(text), ARROW_TYPES["timestamp"])
    handled = pa.array(np.zeros(len(text), dtype=bool))
    non_null = len(text) - text.null_count
    unhandled = non_null
    groups = [(naive, False), (zoned, True)]
    if zoned and _first_value_matches(text, zoned):
        groups.reverse()  # the column's own shape first: often the only pass needed
    try:
        for patterns, offset in groups:
            # The two shapes never match one value: once every value has one, stop looking.
            if not patterns or not unhandled:
                continue
            shaped = pc.fill_null(
                pc.match_substring_regex(text, "^(?:" + "|".join(patterns) + ")$"), False
            )
            count = shaped.true_count
            if not count:
                continue
            # The common column, every value of one shape: cast it whole, no masked copy.
            whole = count == non_null
            candidates = text if whole else pc.if_else(shaped, text, empty)
            if offset:
                stamps = candidates.cast(ARROW_TYPES["timestamp"])
            elif spec.type == "date":  # a date's wall-clock day, whatever the time zone
                stamps = candidates.cast(pa.timestamp("us")).cast(ARROW_TYPES["timestamp"])
            else:
                stamps = _assume_timezone(candidates.cast(pa.timestamp("us")), spec.timezone)
            values = stamps if whole else pc.if_else(shaped, stamps, values)
            handled = shaped if whole else pc.or_(handled, shaped)
            unhandled -= count
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if spec.type == "date":
        values = values.cast(target, safe=False)
    rest = pc.and_(pc.is_valid(text), pc.invert(handled))
    return values, rest


def _parse_with_formats(text: pa.Array, spec: FieldMapping):
    """Try the field's formats in order; each later format only sees what is still unparsed."""
    kind = spec.type
    target = ARROW_TYPES[kind]
    result = pa.nulls(len(text), target)
    pending = pc.is_valid(text)
    for fmt in spec.formats:
        if not pc.any(pending).as_py():
            break
        subset = pc.filter(text, pending)
        parsed = _strptime(subset, fmt, kind, spec.timezone)
        result = pc.replace_with_mask(result, pending, parsed)
        pending = pc.and_(pc.is_valid(text), pc.is_null(result))
    formats = " or ".join(spec.formats)
    return result, pending, f"not a {kind} in the format {formats}"


def _strptime(text: pa.Array, fmt: str, kind: str, timezone: str) -> pa.Array:
    target = ARROW_TYPES[kind]
    with_fraction = "%S" in fmt
    bare = pc.replace_substring_regex(text, _FRACTION, r"\1") if with_fraction else text
    shaped = pc.match_substring_regex(bare, format_regex(fmt))
    candidates = pc.if_else(shaped, bare, pa.scalar(None, pa.string()))
    stamps = pc.strptime(candidates, format=fmt, unit="us", error_is_null=True)
    stamps = _drop_overflowed_days(candidates, stamps, fmt)
    if kind == "date":
        return stamps.cast(target, safe=False)
    if stamps.type.tz is None:
        stamps = _assume_timezone(stamps, timezone)
    stamps = stamps.cast(target)
    if with_fraction:
        stamps = pc.add(stamps, _fraction_of_second(text))
    return stamps


def _drop_overflowed_days(text: pa.Array, stamps: pa.Array, fmt: str) -> pa.Array:
    """NULL where the text names a day its month does not have.

    Arrow rolls such a day over (2016-02-30 becomes 1 March), so only values that landed on
    the first or last days of a month can be one; only those are checked against the text.
    """
    if "%d" not in fmt or "%m" not in fmt:
        return stamps
    day = pc.day(stamps)
    suspect = pc.fill_null(pc.or_(pc.less_equal(day, 3), pc.greater_equal(day, 28)), False)
    if not pc.any(suspect).as_py():
        return stamps
    real = _real_calendar_day(pc.filter(text, suspect), fmt)
    overflowed = pc.replace_with_mask(
        pa.array(np.zeros(len(stamps), dtype=bool)), suspect, pc.invert(real)
    )
    return pc.if_else(overflowed, pa.scalar(None, stamps.type), stamps)


def _real_calendar_day(text: pa.Array, fmt: str) -> pa.Array:
    """False where the day does not exist in its month."""
    parts = pc.extract_regex(text, format_regex(fmt))
    day = _group_int(parts, "d", 1)
    month = np.clip(_group_int(parts, "m", 1), 1, 12)
    if "%Y" in fmt:
        year = _group_int(parts, "Y", 2000)
    elif "%y" in fmt:
        short = _group_int(parts, "y", 0)
        year = short + np.where(short < 69, 2000, 1900)  # strptime's pivot for %y
    else:
        year = np.full(len(text), 2000, dtype=np.int64)  # no year: allow 29 February
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    days = _DAYS_IN_MONTH[month - 1] + ((month == 2) & leap)
    return pa.array(day <= days)


def _group_int(parts: pa.StructArray, name: str, default: int) -> np.ndarray:
    values = pc.struct_field(parts, name).cast(pa.int64())
    return pc.fill_null(values, default).to_numpy(zero_copy_only=False)


def _fraction_of_second(text: pa.Array) -> pa.Array:
    """The fraction after the seconds as a duration (truncated to microseconds), 0 if none."""
    digits = pc.struct_field(pc.extract_regex(text, _FRACTION_GROUP), "fraction")
    micros = pc.utf8_slice_codeunits(pc.utf8_rpad(digits, 6, "0"), 0, 6).cast(pa.int64())
    return pc.fill_null(micros, 0).cast(pa.duration("us"))


def _assume_timezone(stamps: pa.Array, timezone: str) -> pa.Array:
    """Wall-clock times in `timezone` as UTC instants (DST gaps and folds take the earlier)."""
    if timezone == "UTC":
        return stamps.cast(pa.timestamp("us", tz="UTC"))
    local = pc.assume_timezone(stamps, timezone, ambiguous="earliest", nonexistent="earliest")
    return local.cast(pa.timestamp("us", tz="UTC"))


_PARSERS = {
    "string": _parse_string,
    "currency": _parse_currency,
    "integer": _parse_integer,
    "number": _parse_number,
    "decimal": _parse_decimal,
    "boolean": _parse_boolean,
    "date": _parse_temporal,
    "timestamp": _parse_temporal,
}


def constant_array(value: str, length: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, pa.string()), length)


# How lineage columns that hold one value per file or load travel to dlt: dictionary-encoded,
# one copy of the text instead of one per row (the warehouse column is plain text).
CONSTANT_TEXT = pa.dictionary(pa.int32(), pa.string())


def constant_dictionary(value: str | None, length: int) -> pa.Array:
    """`value` on every row, as a dictionary array (NULL everywhere for None)."""
    if value is None:
        return pa.nulls(length, CONSTANT_TEXT)
    indices = pa.array(np.zeros(length, dtype=np.int32))
    return pa.DictionaryArray.from_arrays(indices, pa.array([value], pa.string()))


def row_numbers(first: int, length: int) -> pa.Array:
    return pa.array(np.arange(first, first + length, dtype=np.int64))


__all__ = [
    "SUPPORTED_DIRECTIVES",
    "Parsed",
    "as_text",
    "check_format",
    "constant_array",
    "constant_dictionary",
    "format_regex",
    "parse_field",
    "row_numbers",
]
