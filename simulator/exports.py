"""Write the company (at its clock) as CSV and/or Parquet files, with its truth and a manifest.

Layout of the output directory:
    <table>.csv / <table>.parquet   one per table in simulator.tables.TABLES
    truth/truth_<name>.csv          the answers (simulator.truth)
    manifest.json                   seed, scale, as-of, clock, row counts, column types

CSV: UTF-8, a header, comma-separated, quoted only where needed, empty for null; timestamps
ISO 8601 UTC with milliseconds and 'Z'; dates YYYY-MM-DD; money with 2 decimals, FX rates with 6;
booleans true/false. Parquet: timestamp[ms, UTC], date32, decimal128(18, 2) money,
decimal128(18, 6) rates, int64, float64, bool, string. The same inputs give byte-identical files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from simulator.tables import TABLES, Table
from simulator.timeutil import iso_ms

if TYPE_CHECKING:
    from simulator.company import Company

FORMATS = ("csv", "parquet", "both")
_ARROW = {
    "id": pa.string(),
    "str": pa.string(),
    "ts": pa.timestamp("ms", tz="UTC"),
    "date": pa.date32(),
    "money": pa.decimal128(18, 2),
    "rate": pa.decimal128(18, 6),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
}


def _fixed_point(values: np.ndarray, decimals: int) -> list[str]:
    unit = 10**decimals
    return [
        f"{'-' if v < 0 else ''}{abs(v) // unit}.{abs(v) % unit:0{decimals}d}"
        for v in np.asarray(values, dtype=np.int64).tolist()
    ]


def _text_column(values: pd.Series, kind: str) -> pa.Array:
    """The CSV text of one column (nulls stay null, written as empty)."""
    raw = values.to_numpy()
    if kind in ("id", "str"):
        return pa.array(raw, type=pa.string())
    if kind in ("ts", "date"):
        ms = raw.astype(np.int64)
        unit = "ms" if kind == "ts" else "D"
        text = np.datetime_as_string(
            ms.astype("datetime64[ms]"), unit=unit, timezone="UTC" if kind == "ts" else "naive"
        )
        return pa.array(text.astype(object), type=pa.string(), mask=ms < 0)
    if kind in ("money", "rate"):
        return pa.array(_fixed_point(raw, 2 if kind == "money" else 6), type=pa.string())
    if kind == "int":
        ints = pd.array(values, dtype="Int64")
        mask = np.asarray(ints.isna())
        filled = np.asarray(ints.fillna(0), dtype=np.int64)
        return pa.array(filled.astype(str).astype(object), type=pa.string(), mask=mask)
    if kind == "float":
        floats = raw.astype(float)
        text = np.array([repr(v) for v in floats.tolist()], dtype=object)
        return pa.array(text, type=pa.string(), mask=np.isnan(floats))
    if kind == "bool":
        return pa.array(
            np.where(raw.astype(bool), "true", "false").astype(object), type=pa.string()
        )
    raise ValueError(f"unknown column type {kind!r}")


def _typed_column(values: pd.Series, kind: str, text: pa.Array | None) -> pa.Array:
    """The Parquet column: the logical type (from the CSV text where that is exact)."""
    raw = values.to_numpy()
    if kind in ("id", "str"):
        return pa.array(raw, type=pa.string())
    if kind == "ts":
        ms = raw.astype(np.int64)
        return pa.array(ms, type=pa.int64(), mask=ms < 0).cast(_ARROW["ts"])
    if kind == "date":
        ms = raw.astype(np.int64)
        return pa.array(ms // 86_400_000, type=pa.int32(), mask=ms < 0).cast(pa.date32())
    if kind in ("money", "rate"):
        source = text if text is not None else _text_column(values, kind)
        return source.cast(_ARROW[kind])
    if kind == "int":
        ints = pd.array(values, dtype="Int64")
        return pa.array(
            np.asarray(ints.fillna(0), dtype=np.int64),
            type=pa.int64(),
            mask=np.asarray(ints.isna()),
        )
    if kind == "float":
        floats = raw.astype(float)
        return pa.array(floats, type=pa.float64(), mask=np.isnan(floats))
    return pa.array(raw.astype(bool), type=pa.bool_())


def write_table(table: Table, directory: Path, fmt: str) -> list[Path]:
    columns = list(table.frame.columns)
    missing = [c for c in columns if c not in table.types]
    if missing:
        raise ValueError(f"{table.name}: no type for columns {missing}")
    paths = []
    texts = {c: _text_column(table.frame[c], table.types[c]) for c in columns}
    if fmt in ("csv", "both"):
        path = directory / f"{table.name}.csv"
        text_table = pa.table({c: texts[c] for c in columns})
        options = pacsv.WriteOptions(include_header=True, quoting_style="needed")
        pacsv.write_csv(text_table, path, write_options=options)
        paths.append(path)
    if fmt in ("parquet", "both"):
        path = directory / f"{table.name}.parquet"
        typed = pa.table(
            {c: _typed_column(table.frame[c], table.types[c], texts[c]) for c in columns}
        )
        pq.write_table(typed, path, compression="zstd")
        paths.append(path)
    return paths


def export(
    company: Company,
    out: str | Path,
    fmt: str = "csv",
    tables: Sequence[str] | None = None,
    with_truth: bool = True,
) -> dict[str, list[Path]]:
    """Write every table (or only `tables`), the truth files (unless `with_truth` is false) and
    manifest.json into `out`; return the paths."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    unknown = sorted(set(tables or ()) - set(TABLES))
    if unknown:
        raise ValueError(f"unknown table(s) {', '.join(unknown)}; choose from {', '.join(TABLES)}")
    directory = Path(out)
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, list[Path]] = {}
    manifest_tables = {}
    for name in tables or TABLES:
        table = company.table(name)
        written[name] = write_table(table, directory, fmt)
        manifest_tables[name] = {
            "rows": len(table.frame),
            "files": [p.name for p in written[name]],
            "columns": table.types,
        }
    truth = company.write_truth(directory / "truth") if with_truth else {}
    written["truth"] = list(truth.values())
    manifest = {
        "generator": "salespulse simulator",
        "seed": company.seed,
        "scale": company.scale.name,
        "as_of": company.as_of.isoformat(),
        "clock": iso_ms(company.clock_ms),
        "multi_currency": company.multi_currency,
        "reporting_currency": "USD",
        "tables": manifest_tables,
        "truth": [f"truth/{p.name}" for p in truth.values()],
    }
    path = directory / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    written["manifest"] = [path]
    return written


# Tables the export mapping loads with write disposition replace (no stable key): an incremental
# feed always gives them whole.
REPLACED_TABLES = ("quotas",)


def write_delta(before: Path, after: Path, delta: Path) -> dict[str, int]:
    """The rows of each CSV table of `after` that are not in `before` (new or changed), as an
    incremental feed delivers them; replaced tables whole. Returns the rows written per table."""
    delta.mkdir(parents=True)
    changed = {}
    for path in sorted(after.glob("*.csv")):
        header, *rows = path.read_text(encoding="utf-8").splitlines(keepends=True)
        if path.stem not in REPLACED_TABLES:
            old = set((before / path.name).read_text(encoding="utf-8").splitlines(keepends=True))
            rows = [row for row in rows if row not in old]
        (delta / path.name).write_text(header + "".join(rows), encoding="utf-8")
        changed[path.stem] = len(rows)
    return changed
