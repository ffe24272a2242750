"""The mapping file is validated before any data is read, and every error names the mapping file
and the key at fault."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ingestion.sources.files import MappingError, files_source, load_mapping

STATUS = {"column": "stage", "values": {"Won": "won", "Lost": "lost", "Open": "open"}}
VALID_DEALS = {"file": "deals.csv", "fields": {"deal_id": "id", "status": STATUS}}


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    """A folder for the export files and the mapping a test writes."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def write(folder: Path, text: str) -> Path:
    path = folder / "crm.yml"
    path.write_text(text, encoding="utf-8")
    return path


def invalid(folder: Path, document: dict[str, Any] | str) -> MappingError:
    import yaml

    text = document if isinstance(document, str) else yaml.safe_dump(document, sort_keys=False)
    path = write(folder, text)
    with pytest.raises(MappingError) as error:
        load_mapping(path)
    assert str(path) in str(error.value)
    return error.value


def with_deals(**changes: Any) -> dict[str, Any]:
    return {"version": 1, "entities": {"deals": {**VALID_DEALS, **changes}}}


def test_a_minimal_mapping_is_valid_with_defaults(exports: Path) -> None:
    path = write(
        exports,
        "base_dir: data\nentities:\n  deals:\n    file: deals.csv\n    fields:\n"
        "      deal_id: id\n      status: {column: stage, values: {Won: won, Lost: lost}}\n",
    )
    mapping = load_mapping(path)
    deals = mapping.entities["deals"]
    assert mapping.base_dir == (exports / "data").resolve()
    assert (deals.format, deals.csv.delimiter, deals.csv.encoding, deals.csv.header) == (
        "csv",
        ",",
        "utf-8",
        True,
    )
    assert (deals.primary_key, deals.write_disposition) == (("deal_id",), "merge")
    assert deals.columns == ("id", "stage")
    assert "amount" in deals.unmapped
    assert load_mapping(path, base_dir=str(exports)).base_dir == exports.resolve()


def test_unknown_entity(exports: Path) -> None:
    error = invalid(exports, {"entities": {"opportunities": VALID_DEALS}})
    assert error.key == "entities.opportunities"
    assert "unknown entity 'opportunities'" in str(error)
    assert "deals" in str(error)


def test_unknown_canonical_field(exports: Path) -> None:
    error = invalid(exports, with_deals(fields={**VALID_DEALS["fields"], "amount_usd": "x"}))
    assert error.key == "entities.deals.fields.amount_usd"
    assert "unknown canonical field 'amount_usd' for deals" in str(error)


def test_missing_required_field_mapping(exports: Path) -> None:
    error = invalid(exports, with_deals(fields={"deal_id": "id"}))
    assert error.key == "entities.deals.fields"
    assert "missing required field mapping 'status'" in str(error)


def test_missing_primary_key_field_mapping(exports: Path) -> None:
    error = invalid(exports, with_deals(fields={"status": STATUS}))
    assert "missing required field mapping 'deal_id'" in str(error)


def test_money_needs_its_currency(exports: Path) -> None:
    error = invalid(exports, with_deals(fields={**VALID_DEALS["fields"], "amount": "amt"}))
    assert "'amount' is mapped but 'currency' is not" in str(error)


def test_stage_map_must_produce_a_status(exports: Path) -> None:
    status = {"column": "stage", "values": {"Won": "wonn", "Lost": "lost"}}
    error = invalid(exports, with_deals(fields={"deal_id": "id", "status": status}))
    assert error.key == "entities.deals.fields.status.values"
    assert "maps to 'wonn', which is not one of open, won, lost" in str(error)


def test_unquoted_yaml_booleans_in_a_value_map(exports: Path) -> None:
    error = invalid(
        exports,
        "entities:\n  deals:\n    file: d.csv\n    fields:\n      deal_id: id\n"
        "      status: {column: closed, values: {Yes: won, No: open}}\n",
    )
    assert "export value True must be a string: quote it" in str(error)


def test_misspelt_option(exports: Path) -> None:
    error = invalid(exports, with_deals(csv={"delimeter": ";"}))
    assert error.key == "entities.deals.csv.delimeter"
    assert "unknown key" in str(error)


def test_bad_constant(exports: Path) -> None:
    fields = {**VALID_DEALS["fields"], "amount": "amt", "currency": {"constant": "dollars"}}
    error = invalid(exports, with_deals(fields=fields))
    assert error.key == "entities.deals.fields.currency.constant"
    assert "'dollars' is not a three-letter ISO 4217 currency code" in str(error)


def test_field_needs_exactly_one_source(exports: Path) -> None:
    fields = {**VALID_DEALS["fields"], "name": {"column": "n", "constant": "x"}}
    error = invalid(exports, with_deals(fields=fields))
    assert "exactly one of `column`" in str(error)


def test_date_formats_are_checked(exports: Path) -> None:
    fields = {**VALID_DEALS["fields"], "created_at": {"column": "c", "format": "%Y-%m-%d %Q"}}
    error = invalid(exports, with_deals(fields=fields))
    assert error.key == "entities.deals.fields.created_at.format"
    assert "unsupported directive %Q" in str(error)
    fields = {**VALID_DEALS["fields"], "name": {"column": "n", "format": "%Y"}}
    assert "only date and timestamp fields take a format" in str(
        invalid(exports, with_deals(fields=fields))
    )


def test_csv_options_are_checked(exports: Path) -> None:
    assert "exactly one character" in str(invalid(exports, with_deals(csv={"delimiter": ";;"})))
    assert "unknown encoding" in str(invalid(exports, with_deals(csv={"encoding": "klingon"})))
    assert "needs column_names" in str(invalid(exports, with_deals(csv={"header": False})))
    parquet = invalid(exports, with_deals(file="deals.parquet", csv={"delimiter": ";"}))
    assert "CSV options given for a parquet file" in str(parquet)
    assert "cannot infer the format" in str(invalid(exports, with_deals(file="deals.xlsx")))


def test_merge_needs_a_key(exports: Path) -> None:
    quotas = {
        "file": "q.csv",
        "write_disposition": "merge",
        "fields": {"period_start": "s", "period_end": "e", "target": "t", "currency": "c"},
    }
    error = invalid(exports, {"entities": {"quotas": quotas}})
    assert error.key == "entities.quotas.write_disposition"
    assert "merge needs a primary key" in str(error)


def test_extra_fields_cannot_shadow_canonical_or_lineage_columns(exports: Path) -> None:
    assert "is a canonical field" in str(invalid(exports, with_deals(extra={"amount": "x"})))
    assert "reserved" in str(invalid(exports, with_deals(extra={"_source_file": "x"})))
    assert "snake_case" in str(invalid(exports, with_deals(extra={"Product Name": "x"})))


def test_unknown_time_zone(exports: Path) -> None:
    assert "unknown time zone 'Mars/Olympus'" in str(
        invalid(exports, with_deals(timezone="Mars/Olympus"))
    )


def test_not_yaml_and_not_found(exports: Path) -> None:
    assert "not valid YAML" in str(invalid(exports, "entities: [deals\n"))
    with pytest.raises(MappingError, match="mapping file not found"):
        load_mapping(exports / "nope.yml")


def test_the_source_validates_its_mapping_when_created(exports: Path) -> None:
    path = write(exports, "entities:\n  deals:\n    file: d.csv\n    fields: {deal_id: id}\n")
    with pytest.raises(MappingError, match="missing required field mapping 'status'"):
        files_source(mapping_path=str(path))


def test_dataset_and_export_kind_are_checked(exports: Path) -> None:
    named = invalid(exports, {"dataset": "Acme CRM", "entities": {"deals": VALID_DEALS}})
    assert named.key == "dataset" and "not a dataset name" in str(named)
    kind = invalid(exports, with_deals(export="delta"))
    assert kind.key == "entities.deals.export" and "full, incremental" in str(kind)
    default = invalid(
        exports, {"defaults": {"export": "delta"}, "entities": {"deals": VALID_DEALS}}
    )
    assert default.key == "defaults.export"
    appended = invalid(exports, with_deals(write_disposition="append", export="incremental"))
    assert "needs write_disposition merge" in str(appended)

    path = write(
        exports,
        "dataset: acme_crm\ndefaults: {export: incremental}\nentities:\n  deals:\n"
        "    file: deals.csv\n    fields: {deal_id: id, status: {column: s, values: {W: won}}}\n",
    )
    mapping = load_mapping(path)
    assert mapping.dataset == "acme_crm"
    assert (mapping.entities["deals"].export, mapping.entities["deals"].is_snapshot) == (
        "incremental",
        False,
    )
    with pytest.raises(MappingError, match="export: must be one of full, incremental"):
        files_source(mapping_path=str(path), export="partial")
