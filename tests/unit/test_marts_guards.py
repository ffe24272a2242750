"""Guards on the dbt project's shape that no single data test can see: every published mart
carries the personal-data test, and the people marts count the survey answer classes computed
once in the intermediate layer instead of deriving them again from the answer values."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

MARTS = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "marts"


def _mart_properties() -> dict[str, dict]:
    models = {}
    for path in MARTS.rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models", []):
            models[model["name"]] = model
    return models


def test_every_mart_carries_the_personal_data_test() -> None:
    properties = _mart_properties()
    marts = sorted(path.stem for path in MARTS.rglob("*.sql"))
    assert len(marts) > 20
    missing = [
        mart
        for mart in marts
        if "no_personal_data" not in (properties.get(mart, {}).get("data_tests") or [])
    ]
    assert not missing, f"marts without the no_personal_data test: {missing}"


def test_people_marts_count_answer_classes_and_never_compare_answer_values() -> None:
    compares_a_value = re.compile(r"answer_value\s*(>=|<=|>|<|=|between)\s*\d")
    people = sorted((MARTS / "people").glob("*.sql"))
    assert len(people) == 4
    # The semantic layer's survey counts too (models/marts/semantic/).
    for path in [*people, MARTS / "semantic" / "survey_answer_counts.sql"]:
        sql = path.read_text()
        assert not compares_a_value.search(sql), f"{path.name} derives answer classes again"
        assert "answer_class" in sql, f"{path.name} does not count the answer classes"
