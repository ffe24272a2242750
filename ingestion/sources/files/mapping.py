"""The declarative mapping file: which export file is which canonical entity, and how its columns
become canonical fields. Parsed and validated completely before any data file is read; every
error names the mapping file and the key at fault.

The format is documented with a full example in docs/files-source.md.
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import re
import zoneinfo
from dataclasses import dataclass, replace
from pathlib import Path, PurePath
from typing import Any, NoReturn

import pyarrow as pa
import yaml

from ingestion.sources.files.errors import MappingError
from ingestion.sources.files.parsing import check_format, parse_field
from ingestion.sources.files.settings import (
    ARROW_TYPES,
    CURRENCY_OF,
    DEFAULT_DATE_FORMATS,
    DEFAULT_FALSE_VALUES,
    DEFAULT_TIMESTAMP_FORMATS,
    DEFAULT_TRUE_VALUES,
    ENTITIES,
    FILE_FORMATS,
    FORMAT_BY_EXTENSION,
    LINEAGE_COLUMNS,
    TEMPORAL_TYPES,
)

MAPPING_VERSION = 1

_TOP_KEYS = {"version", "description", "dataset", "base_dir", "defaults", "entities"}
_DEFAULT_KEYS = {"csv", "timezone", "export"}
_ENTITY_KEYS = {
    "description",
    "file",
    "format",
    "csv",
    "timezone",
    "primary_key",
    "write_disposition",
    "export",
    "fields",
    "extra",
    "keep_unmapped_columns",
}
_CSV_KEYS = {
    "delimiter",
    "quote_char",
    "encoding",
    "header",
    "column_names",
    "skip_rows",
    "null_values",
    "newlines_in_values",
}
_FIELD_KEYS = {
    "column",
    "constant",
    "format",
    "values",
    "required",
    "timezone",
    "decimal_separator",
    "thousands_separator",
    "true_values",
    "false_values",
}
_EXTRA_KEYS = _FIELD_KEYS | {"type"}
_WRITE_DISPOSITIONS = ("merge", "replace", "append")
# What one export of an entity holds: every record (`full`: a record missing from it was
# deleted) or only the records that changed (`incremental`: nothing is deleted by absence).
EXPORT_KINDS = ("full", "incremental")
_EXTRA_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_DATASET_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class CsvOptions:
    delimiter: str = ","
    quote_char: str | None = '"'
    encoding: str = "utf-8"
    header: bool = True
    column_names: tuple[str, ...] | None = None
    skip_rows: int = 0
    null_values: tuple[str, ...] = ("",)
    newlines_in_values: bool = False


@dataclass(frozen=True)
class FieldMapping:
    """How one output column (a canonical field or an extra) is filled."""

    name: str
    type: str
    column: str | None = None
    constant: str | None = None
    formats: tuple[str, ...] = ()
    values: dict[str, str] | None = None
    allowed: tuple[str, ...] | None = None
    required: bool = False
    timezone: str = "UTC"
    decimal_separator: str = "."
    thousands_separator: str | None = None
    true_values: tuple[str, ...] = DEFAULT_TRUE_VALUES
    false_values: tuple[str, ...] = DEFAULT_FALSE_VALUES

    @property
    def source(self) -> str:
        """How the quarantine names where the value came from."""
        return self.column if self.column is not None else "(constant)"


@dataclass(frozen=True)
class EntityMapping:
    entity: str
    file: str
    format: str
    csv: CsvOptions
    fields: tuple[FieldMapping, ...]
    extras: tuple[FieldMapping, ...]
    # Canonical fields the mapping leaves out: they land as typed NULLs.
    unmapped: tuple[str, ...]
    primary_key: tuple[str, ...]
    write_disposition: str
    keep_unmapped_columns: bool = False
    export: str = "full"

    @property
    def is_snapshot(self) -> bool:
        """A keyed full export: the table becomes this export, and the records it no longer
        holds are kept, marked deleted (soft delete)."""
        return self.write_disposition == "merge" and self.export == "full"

    @property
    def outputs(self) -> tuple[FieldMapping, ...]:
        return self.fields + self.extras

    @property
    def columns(self) -> tuple[str, ...]:
        """The export columns this entity reads, in first-use order."""
        seen: dict[str, None] = {}
        for spec in self.outputs:
            if spec.column is not None:
                seen.setdefault(spec.column)
        return tuple(seen)


@dataclass(frozen=True)
class Mapping:
    path: Path
    base_dir: Path
    entities: dict[str, EntityMapping]
    # Whose records these are: one company's CRM, plans or surveys. A warehouse holds one
    # dataset, so that no load mixes two companies' records in one set of marts.
    dataset: str = "default"


def default_dataset_name(path: Path) -> str:
    """The dataset a mapping without a `dataset` key describes: its file name, in snake_case
    (`maven_crm.yml` -> `maven_crm`)."""
    name = re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_")
    if not name or not name[0].isalpha():
        name = f"dataset_{name}".rstrip("_")
    return name[:63]


def load_mapping(mapping_path: str | os.PathLike[str], base_dir: str | None = None) -> Mapping:
    """Read and validate a mapping file. `base_dir` overrides the file's own `base_dir`
    (a relative override is taken from the working directory)."""
    path = Path(mapping_path)
    where = str(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingError(where, "", "mapping file not found") from None
    except yaml.YAMLError as error:
        raise MappingError(where, "", f"not valid YAML: {error}") from None
    return parse_mapping(document, path, base_dir)


def parse_mapping(document: Any, path: Path, base_dir: str | None = None) -> Mapping:
    """Validate an already-loaded mapping document (see load_mapping)."""
    v = _Validator(str(path))
    root = v.mapping(document, "", _TOP_KEYS)
    version = root.get("version", MAPPING_VERSION)
    if version != MAPPING_VERSION:
        v.fail("version", f"unsupported version {version!r}; this source reads version 1")

    if base_dir is not None:
        resolved_base = Path(os.path.expandvars(base_dir)).expanduser().resolve()
    else:
        configured = root.get("base_dir", ".")
        if not isinstance(configured, str):
            v.fail("base_dir", "must be a path (relative to the mapping file)")
        configured_path = Path(os.path.expandvars(configured)).expanduser()
        resolved_base = (path.resolve().parent / configured_path).resolve()

    dataset = root.get("dataset", default_dataset_name(path))
    if not isinstance(dataset, str) or not _DATASET_NAME.match(dataset):
        v.fail(
            "dataset",
            f"{dataset!r} is not a dataset name: lowercase letters, digits and underscores, "
            "starting with a letter (for example acme_crm)",
        )

    defaults = v.mapping(root.get("defaults", {}), "defaults", _DEFAULT_KEYS)
    entities_doc = v.mapping(root.get("entities"), "entities")
    if not entities_doc:
        v.fail("entities", "maps no entity; expected at least one of " + ", ".join(ENTITIES))
    entities = {}
    for name, entity_doc in entities_doc.items():
        if name not in ENTITIES:
            v.fail(
                f"entities.{name}",
                f"unknown entity {name!r}; canonical entities are: {', '.join(ENTITIES)}",
            )
        entities[name] = _parse_entity(v, name, entity_doc, defaults)
    return Mapping(path=path, base_dir=resolved_base, entities=entities, dataset=dataset)


class _Validator:
    """Collects the mapping path so that every error names the file and the key."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, key: str, problem: str) -> NoReturn:
        raise MappingError(self.path, key, problem)

    def mapping(self, value: Any, key: str, allowed: set[str] | None = None) -> dict[str, Any]:
        if value is None and key in ("defaults",):
            return {}
        if not isinstance(value, dict):
            self.fail(key or "(top level)", "must be a mapping of keys to values")
        for name in value:
            if not isinstance(name, str):
                self.fail(key, f"key {name!r} must be a string (quote it)")
            if allowed is not None and name not in allowed:
                self.fail(
                    f"{key}.{name}" if key else name,
                    f"unknown key; expected one of: {', '.join(sorted(allowed))}",
                )
        return value

    def string(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value:
            self.fail(key, "must be a non-empty string")
        return value

    def boolean(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            self.fail(key, "must be true or false")
        return value

    def strings(self, value: Any, key: str) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.fail(key, "must be a string or a list of strings")
        return tuple(value)

    def timezone(self, value: Any, key: str) -> str:
        name = self.string(value, key)
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.fail(key, f"unknown time zone {name!r} (use an IANA name such as Europe/Paris)")
        return name


def _parse_entity(v: _Validator, entity: str, doc: Any, defaults: dict[str, Any]) -> EntityMapping:
    key = f"entities.{entity}"
    doc = v.mapping(doc, key, _ENTITY_KEYS)
    canonical = ENTITIES[entity]
    if "file" not in doc:
        v.fail(f"{key}.file", "missing: name the export file (a glob is allowed)")
    file = v.string(doc["file"], f"{key}.file")
    if PurePath(file).is_absolute():
        v.fail(f"{key}.file", "must be relative to base_dir (override base_dir instead)")

    suffix = PurePath(file).suffix.lower()
    file_format = doc.get("format", FORMAT_BY_EXTENSION.get(suffix))
    if file_format is None:
        v.fail(f"{key}.format", f"cannot infer the format of {file!r}; set format: csv or parquet")
    if file_format not in FILE_FORMATS:
        v.fail(f"{key}.format", f"unknown format {file_format!r}; expected csv or parquet")

    csv_doc = {**v.mapping(defaults.get("csv", {}), "defaults.csv", _CSV_KEYS)}
    if "csv" in doc:
        if file_format != "csv":
            v.fail(f"{key}.csv", "CSV options given for a parquet file")
        csv_doc |= v.mapping(doc["csv"], f"{key}.csv", _CSV_KEYS)
    if suffix == ".tsv" and "delimiter" not in csv_doc:
        csv_doc["delimiter"] = "\t"
    csv = _parse_csv(v, csv_doc, f"{key}.csv")

    timezone = "UTC"
    if "timezone" in defaults:
        timezone = v.timezone(defaults["timezone"], "defaults.timezone")
    if "timezone" in doc:
        timezone = v.timezone(doc["timezone"], f"{key}.timezone")

    fields_doc = v.mapping(doc.get("fields"), f"{key}.fields")
    fields = []
    for name, spec in fields_doc.items():
        if name not in canonical.fields:
            v.fail(
                f"{key}.fields.{name}",
                f"unknown canonical field {name!r} for {entity}; its fields are: "
                f"{', '.join(canonical.fields)} (put other columns under extra)",
            )
        info = canonical.fields[name]
        fields.append(
            _parse_field(
                v,
                f"{key}.fields.{name}",
                name,
                spec,
                type_=info.type,
                allowed=info.allowed,
                required=info.required,
                timezone=timezone,
                allowed_keys=_FIELD_KEYS,
            )
        )
    mapped = {spec.name for spec in fields}

    primary_key = canonical.primary_key
    if "primary_key" in doc:
        primary_key = v.strings(doc["primary_key"], f"{key}.primary_key")
        for name in primary_key:
            if name not in canonical.fields:
                v.fail(f"{key}.primary_key", f"{name!r} is not a canonical field of {entity}")
    default_disposition = "merge" if primary_key else "replace"
    write_disposition = doc.get("write_disposition", default_disposition)
    if write_disposition not in _WRITE_DISPOSITIONS:
        v.fail(
            f"{key}.write_disposition",
            f"must be one of {', '.join(_WRITE_DISPOSITIONS)}, not {write_disposition!r}",
        )
    if write_disposition == "merge" and not primary_key:
        v.fail(
            f"{key}.write_disposition",
            f"merge needs a primary key and {entity} has none by default; set primary_key",
        )
    export = defaults.get("export", "full")
    export_key = "defaults.export"
    if "export" in doc:
        export, export_key = doc["export"], f"{key}.export"
    if export not in EXPORT_KINDS:
        v.fail(export_key, f"must be one of {', '.join(EXPORT_KINDS)}, not {export!r}")
    if export == "incremental" and write_disposition != "merge" and "export" in doc:
        v.fail(
            export_key,
            "an incremental export merges records by their key: it needs write_disposition "
            f"merge, and {entity} is loaded with {write_disposition}",
        )

    # A key field must have a value on every row: make it required whatever the spec said.
    fields = [replace(spec, required=True) if spec.name in primary_key else spec for spec in fields]
    for name, info in canonical.fields.items():
        if (info.required or name in primary_key) and name not in mapped:
            why = "part of the primary key" if name in primary_key else "required"
            v.fail(
                f"{key}.fields",
                f"missing required field mapping {name!r} ({why} for {entity}); "
                "map it to a column or give it a constant",
            )
    for (owner, money), currency in CURRENCY_OF.items():
        if owner == entity and money in mapped and currency not in mapped:
            v.fail(
                f"{key}.fields",
                f"{money!r} is mapped but {currency!r} is not: money needs its currency "
                "(map a column or give a constant such as `currency: {constant: USD}`)",
            )

    extras = []
    for name, spec in v.mapping(doc.get("extra", {}) or {}, f"{key}.extra").items():
        extra_key = f"{key}.extra.{name}"
        if name in canonical.fields:
            v.fail(extra_key, f"{name!r} is a canonical field of {entity}: map it under fields")
        if name in LINEAGE_COLUMNS or name.startswith("_dlt"):
            v.fail(extra_key, f"{name!r} is reserved for lineage columns")
        if not _EXTRA_NAME.match(name):
            v.fail(extra_key, "extra field names are lowercase snake_case identifiers")
        type_ = "string"
        if isinstance(spec, dict) and "type" in spec:
            type_ = spec["type"]
            if type_ not in ARROW_TYPES:
                v.fail(
                    f"{extra_key}.type", f"unknown type {type_!r}; one of {', '.join(ARROW_TYPES)}"
                )
            spec = {k: val for k, val in spec.items() if k != "type"}
        extras.append(
            _parse_field(
                v,
                extra_key,
                name,
                spec,
                type_=type_,
                allowed=None,
                required=False,
                timezone=timezone,
                allowed_keys=_EXTRA_KEYS,
            )
        )

    keep_unmapped = v.boolean(
        doc.get("keep_unmapped_columns", False), f"{key}.keep_unmapped_columns"
    )
    return EntityMapping(
        entity=entity,
        file=file,
        format=file_format,
        csv=csv,
        fields=tuple(fields),
        extras=tuple(extras),
        unmapped=tuple(name for name in canonical.fields if name not in mapped),
        primary_key=tuple(primary_key),
        write_disposition=write_disposition,
        keep_unmapped_columns=keep_unmapped,
        export=export,
    )


def _parse_csv(v: _Validator, doc: dict[str, Any], key: str) -> CsvOptions:
    options: dict[str, Any] = {}
    if "delimiter" in doc:
        delimiter = doc["delimiter"]
        if not isinstance(delimiter, str) or len(delimiter) != 1:
            v.fail(f"{key}.delimiter", 'must be exactly one character (write tab as "\\t")')
        options["delimiter"] = delimiter
    if "quote_char" in doc:
        quote = doc["quote_char"]
        if quote is not False and (not isinstance(quote, str) or len(quote) != 1):
            v.fail(f"{key}.quote_char", "must be one character, or false for no quoting")
        options["quote_char"] = quote or None
    if "encoding" in doc:
        encoding = v.string(doc["encoding"], f"{key}.encoding")
        try:
            codecs.lookup(encoding)
        except LookupError:
            v.fail(f"{key}.encoding", f"unknown encoding {encoding!r}")
        options["encoding"] = encoding
    if "header" in doc:
        options["header"] = v.boolean(doc["header"], f"{key}.header")
    if "column_names" in doc:
        options["column_names"] = v.strings(doc["column_names"], f"{key}.column_names")
    if options.get("header", True) is False and "column_names" not in options:
        v.fail(f"{key}.column_names", "a file without a header row needs column_names")
    if options.get("header", True) and "column_names" in options:
        v.fail(f"{key}.column_names", "only for files without a header row (header: false)")
    if "skip_rows" in doc:
        skip = doc["skip_rows"]
        if not isinstance(skip, int) or isinstance(skip, bool) or skip < 0:
            v.fail(f"{key}.skip_rows", "must be a whole number of lines, 0 or more")
        options["skip_rows"] = skip
    if "null_values" in doc:
        options["null_values"] = v.strings(doc["null_values"], f"{key}.null_values")
    if "newlines_in_values" in doc:
        options["newlines_in_values"] = v.boolean(
            doc["newlines_in_values"], f"{key}.newlines_in_values"
        )
    return CsvOptions(**options)


def _scalar_text(value: Any) -> str | None:
    """A YAML scalar as the text an export would hold (YAML reads 2024-01-31 as a date)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, int | float | str):
        return str(value)
    return None


def _parse_field(
    v: _Validator,
    key: str,
    name: str,
    spec: Any,
    *,
    type_: str,
    allowed: tuple[str, ...] | None,
    required: bool,
    timezone: str,
    allowed_keys: set[str],
) -> FieldMapping:
    if isinstance(spec, str):
        spec = {"column": spec}
    spec = v.mapping(spec, key, allowed_keys)
    if ("column" in spec) == ("constant" in spec):
        v.fail(key, "give exactly one of `column` (an export column) or `constant`")
    options: dict[str, Any] = {"name": name, "type": type_, "allowed": allowed}
    if "column" in spec:
        options["column"] = v.string(spec["column"], f"{key}.column")

    options["timezone"] = timezone
    if "timezone" in spec:
        if type_ != "timestamp":
            v.fail(f"{key}.timezone", "only timestamp fields have a time zone")
        options["timezone"] = v.timezone(spec["timezone"], f"{key}.timezone")

    if "format" in spec:
        if type_ not in TEMPORAL_TYPES:
            v.fail(
                f"{key}.format", f"only date and timestamp fields take a format ({name} is {type_})"
            )
        formats = v.strings(spec["format"], f"{key}.format")
        for fmt in formats:
            try:
                check_format(fmt, type_)
            except ValueError as error:
                v.fail(f"{key}.format", f"{fmt!r}: {error}")
        options["formats"] = formats
    elif type_ == "date":
        options["formats"] = DEFAULT_DATE_FORMATS
    elif type_ == "timestamp":
        options["formats"] = DEFAULT_TIMESTAMP_FORMATS

    if "values" in spec:
        values_doc = spec["values"]
        if not isinstance(values_doc, dict) or not values_doc:
            v.fail(f"{key}.values", "must map export values to canonical values")
        values = {}
        for raw, canonical in values_doc.items():
            if not isinstance(raw, str):
                v.fail(f"{key}.values", f"export value {raw!r} must be a string: quote it in YAML")
            text = _scalar_text(canonical)
            if text is None:
                v.fail(f"{key}.values.{raw}", "must be a single value")
            values[raw] = text
        options["values"] = values

    if "required" in spec:
        wanted = v.boolean(spec["required"], f"{key}.required")
        if required and not wanted:
            v.fail(f"{key}.required", f"{name} is always required for this entity")
        required = wanted
    options["required"] = required

    for separator in ("decimal_separator", "thousands_separator"):
        if separator in spec:
            if type_ not in ("integer", "number", "decimal"):
                v.fail(f"{key}.{separator}", "only numeric fields take separators")
            value = spec[separator]
            if not isinstance(value, str) or len(value) != 1:
                v.fail(f"{key}.{separator}", "must be one character")
            options[separator] = value
    for flag in ("true_values", "false_values"):
        if flag in spec:
            if type_ != "boolean":
                v.fail(f"{key}.{flag}", "only boolean fields take true_values/false_values")
            options[flag] = v.strings(spec[flag], f"{key}.{flag}")

    field = FieldMapping(**options)
    if "constant" in spec:
        text = _scalar_text(spec["constant"])
        if text is None:
            v.fail(f"{key}.constant", "must be a single value")
        field = replace(field, constant=text)
        parsed = parse_field(pa.array([text], pa.string()), field)
        for mask, reason in parsed.problems:
            if mask[0].as_py():
                v.fail(f"{key}.constant", f"{text!r} is {reason}")
    if field.values is not None:
        # Every canonical value the mapping produces must itself be valid for the field.
        outputs = pa.array(sorted(set(field.values.values())), pa.string())
        check = parse_field(outputs, replace(field, values=None))
        for mask, reason in check.problems:
            for value, bad in zip(outputs.to_pylist(), mask.to_pylist(), strict=True):
                if bad:
                    v.fail(f"{key}.values", f"maps to {value!r}, which is {reason}")
    return field
