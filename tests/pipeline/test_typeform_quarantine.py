"""Answers outside their scale (an eNPS of 11, a Likert of 0) are never loaded and never
dropped: they land in `quarantine` with the reason, and `load_accounting` counts them.

The demo company never answers outside a scale, so the checks are unit-tested on hand-built
responses, and one load runs against the demo API with a few of its answers altered in flight.
"""

import datetime as dt

import duckdb
import pytest

from ingestion.pipelines import run_source
from ingestion.sources.typeform.records import (
    check_answer,
    field_scale,
    form_fields,
    parse_response,
    survey_type,
)
from ingestion.sources.typeform.source import Cursor
from ingestion.warehouse import build_warehouse_path

TOKEN = "typeform-quarantine-token"

ENPS_FORM = {
    "id": "F1",
    "title": "eNPS",
    "hidden": ["team", "wave"],
    "fields": [
        {
            "id": "nps1",
            "ref": "enps_score",
            "type": "nps",
            "title": "Recommend?",
            "properties": {"steps": 11, "start_at_one": False},
            "validations": {"required": True},
        },
        {
            "id": "grp",
            "type": "group",
            "title": "More",
            "properties": {
                "fields": [
                    {
                        "id": "lik1",
                        "ref": "pulse_tools",
                        "type": "opinion_scale",
                        "title": "Tools",
                        "properties": {"steps": 5, "start_at_one": True},
                    },
                    {"id": "why", "type": "long_text", "title": "Why?", "properties": {}},
                    {
                        "id": "pick",
                        "type": "multiple_choice",
                        "title": "Pick",
                        "properties": {"choices": [{"label": "A"}, {"label": "B"}]},
                    },
                ]
            },
        },
    ],
}


def _fields():
    return {spec.field_id: spec for spec in form_fields("F1", ENPS_FORM)}


def _answer(field_id, field_type, answer_type, value):
    return {
        "field": {"id": field_id, "type": field_type, "ref": field_id},
        "type": answer_type,
        answer_type: value,
    }


def _response(*answers, submitted_at="2026-01-18T10:01:09Z", token="r1"):
    return {
        "token": token,
        "response_id": token,
        "landed_at": "2026-01-18T10:00:00Z",
        "submitted_at": submitted_at,
        "hidden": {"team": "T1", "wave": "2026-Q1", "site": "Paris"},
        "answers": list(answers),
    }


# -- definitions --------------------------------------------------------------------------------


def test_scales_come_from_the_field_properties():
    assert field_scale("nps", {"steps": 11, "start_at_one": False}, {}) == (0, 10)
    assert field_scale("nps", {}, {}) == (0, 10)
    assert field_scale("opinion_scale", {"steps": 5, "start_at_one": True}, {}) == (1, 5)
    assert field_scale("opinion_scale", {"steps": 7}, {}) == (0, 6)
    assert field_scale("opinion_scale", {}, {}) == (None, None)
    assert field_scale("rating", {"steps": 10}, {}) == (1, 10)
    assert field_scale("number", {}, {"min_value": 1, "max_value": 40}) == (1, 40)
    assert field_scale("long_text", {}, {}) == (None, None)


def test_group_questions_are_flattened_and_the_survey_type_inferred():
    specs = form_fields("F1", ENPS_FORM)
    assert [(s.field_id, s.type, s.parent_field_id, s.position) for s in specs] == [
        ("nps1", "nps", None, 1),
        ("grp", "group", None, 2),
        ("lik1", "opinion_scale", "grp", 3),
        ("why", "long_text", "grp", 4),
        ("pick", "multiple_choice", "grp", 5),
    ]
    assert (specs[2].scale_min, specs[2].scale_max) == (1, 5)
    assert survey_type(specs) == "enps"
    assert survey_type([s for s in specs if s.type != "nps"]) == "pulse"
    assert survey_type([s for s in specs if s.type == "long_text"]) == "other"


# -- answers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field_id", "field_type", "answer_type", "value", "reason"),
    [
        ("nps1", "nps", "number", 11, "nps answer 11 is outside its scale 0 to 10"),
        ("nps1", "nps", "number", -1, "nps answer -1 is outside its scale 0 to 10"),
        (
            "lik1",
            "opinion_scale",
            "number",
            0,
            "opinion_scale answer 0 is outside its scale 1 to 5",
        ),
        (
            "lik1",
            "opinion_scale",
            "number",
            6,
            "opinion_scale answer 6 is outside its scale 1 to 5",
        ),
        ("lik1", "opinion_scale", "number", 3.5, "opinion_scale answer 3.5 is not a whole number"),
        ("nps1", "nps", "number", None, "nps answer has no number"),
        ("nps1", "nps", "text", "ten", "nps answer is of type text, not a number"),
        ("nps1", "nps", "number", True, "nps answer has no number"),
    ],
)
def test_an_answer_outside_its_scale_is_rejected_with_the_reason(
    field_id, field_type, answer_type, value, reason
):
    columns, raw, why = check_answer(
        _answer(field_id, field_type, answer_type, value), _fields()[field_id]
    )

    assert columns is None
    assert why == reason
    assert raw == (None if value is None else str(value).lower())


@pytest.mark.parametrize(
    ("field_id", "field_type", "answer_type", "value", "column", "expected"),
    [
        ("nps1", "nps", "number", 0, "number", 0.0),
        ("nps1", "nps", "number", 10, "number", 10.0),
        ("lik1", "opinion_scale", "number", 1, "number", 1.0),
        ("lik1", "opinion_scale", "number", 5.0, "number", 5.0),
        ("why", "long_text", "text", "Great team", "text", "Great team"),
        ("pick", "multiple_choice", "choice", {"label": "B"}, "choice_label", "B"),
        (
            "pick",
            "multiple_choice",
            "choices",
            {"labels": ["A", "B"]},
            "choice_labels",
            '["A", "B"]',
        ),
        ("yn", "yes_no", "boolean", False, "boolean", False),
        ("mail", "email", "email", "a@b.c", "text", "a@b.c"),
    ],
)
def test_an_answer_within_its_scale_loads(
    field_id, field_type, answer_type, value, column, expected
):
    columns, raw, why = check_answer(
        _answer(field_id, field_type, answer_type, value), _fields().get(field_id)
    )

    assert why is None and raw is None
    assert columns[column] == expected


def test_an_nps_answer_is_checked_even_without_the_form_definition():
    columns, _, why = check_answer(_answer("unknown", "nps", "number", 11), None)
    assert columns is None and why == "nps answer 11 is outside its scale 0 to 10"


def test_a_response_keeps_its_good_answers_and_quarantines_the_bad_ones():
    parsed = parse_response(
        "F1",
        _response(
            _answer("nps1", "nps", "number", 11),
            _answer("lik1", "opinion_scale", "number", 0),
            _answer("why", "long_text", "text", "Too many meetings"),
        ),
        _fields(),
    )

    assert parsed.response["response_id"] == "r1"
    assert parsed.response["team"] == "T1" and parsed.response["wave"] == "2026-Q1"
    assert parsed.response["hidden"] == '{"site": "Paris"}'
    assert parsed.response["submitted_at"] == dt.datetime(2026, 1, 18, 10, 1, 9, tzinfo=dt.UTC)
    assert parsed.response["answer_count"] == 3
    assert [a["field_id"] for a in parsed.answers] == ["why"]
    assert parsed.answers[0]["team"] == "T1" and parsed.answers[0]["wave"] == "2026-Q1"
    assert [(r.response_id, r.field_id, r.value, r.reason) for r in parsed.answer_rejections] == [
        ("r1", "nps1", "11", "nps answer 11 is outside its scale 0 to 10"),
        ("r1", "lik1", "0", "opinion_scale answer 0 is outside its scale 1 to 5"),
    ]
    assert parsed.answers_read == 3


def test_a_response_without_a_submission_time_is_rejected_with_its_answers():
    parsed = parse_response(
        "F1", _response(_answer("nps1", "nps", "number", 9), submitted_at=None), _fields()
    )

    assert parsed.response is None and parsed.answers == []
    assert parsed.rejection.reason == "response has no submitted_at (not a completed response)"
    assert [r.reason for r in parsed.answer_rejections] == [
        "its response was rejected: response has no submitted_at (not a completed response)"
    ]


def test_a_second_answer_to_one_field_is_rejected():
    parsed = parse_response(
        "F1",
        _response(_answer("nps1", "nps", "number", 9), _answer("nps1", "nps", "number", 3)),
        _fields(),
    )
    assert [a["number"] for a in parsed.answers] == [9.0]
    assert [r.reason for r in parsed.answer_rejections] == [
        "a second answer to field nps1 in one response"
    ]


# -- the cursor ---------------------------------------------------------------------------------


def test_the_cursor_skips_what_it_loaded_at_the_boundary_and_in_its_window():
    cursor = Cursor(since=None, recent={}, lookback_seconds=0)
    assert cursor.window_start is None
    for rid, at in (("c", 300), ("b", 200), ("a", 100)):  # newest first, as the API pages
        assert cursor.is_new(rid, at)
        cursor.advance(rid, at)
    state: dict = {}
    cursor.save(state)
    assert state == {"since": 300, "recent": {"c": 300}}

    again = Cursor.from_state(state, lookback_seconds=0)
    assert again.window_start == 300
    assert not again.is_new("c", 300)  # loaded at the boundary second
    assert again.is_new("d", 300)  # same second, not loaded yet
    assert not again.is_new("b", 200)  # before the window: an earlier load had it

    wide = Cursor.from_state({"since": 300, "recent": {"c": 300, "b": 200}}, lookback_seconds=150)
    assert wide.window_start == 150
    assert not wide.is_new("b", 200) and wide.is_new("late", 250)


# -- a load with out-of-scale answers -----------------------------------------------------------


@pytest.mark.integration
def test_out_of_scale_answers_land_in_quarantine_and_are_accounted_for(tmp_path, monkeypatch):
    from simulator import generate_company
    from simulator.server import DemoApi
    from simulator.surveys import ENPS, PULSE
    from simulator.typeform_api import TypeformApi

    served = TypeformApi._item
    altered: dict[str, tuple[str, str, int]] = {}

    def with_bad_answers(self, survey, row):
        """Every 10th response gets an eNPS of 11 or a Likert of 0 on its first question."""
        item = served(self, survey, row)
        if row % 10 == 0:
            first = item["answers"][0]
            first["number"] = 11 if survey is ENPS else 0
            altered[item["token"]] = (survey.form_id, first["field"]["id"], first["number"])
        return item

    monkeypatch.setattr(TypeformApi, "_item", with_bad_answers)
    company = generate_company(seed=41, scale="small", as_of=dt.date(2026, 3, 31))
    with DemoApi(company, token=TOKEN) as api:
        monkeypatch.setenv("SALESPULSE_HOME", str(tmp_path / "warehouse"))
        monkeypatch.setenv("SOURCES__TYPEFORM__BASE_URL", api.base_url)
        monkeypatch.setenv("SOURCES__TYPEFORM__ACCESS_TOKEN", TOKEN)
        monkeypatch.setenv("SOURCES__TYPEFORM__FORM_IDS", f'["{PULSE.form_id}", "{ENPS.form_id}"]')

        run_source("typeform")

    assert altered, "the demo served some altered answers"
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        quarantined = con.execute(
            "select response_id, form_id, field_id, value, reason, entity, load_id, loaded_at "
            "from raw_typeform.quarantine"
        ).fetchall()
        in_answers = con.execute(
            "select count(*) from raw_typeform.answers a join raw_typeform.quarantine q "
            "using (response_id, field_id)"
        ).fetchone()[0]
        responses = {
            r[0] for r in con.execute("select response_id from raw_typeform.responses").fetchall()
        }
        accounting = con.execute(
            "select entity, form_id, rows_read, rows_loaded, rows_quarantined, load_id "
            "from raw_typeform.load_accounting"
        ).fetchall()
        answers_by_form_load = dict(
            ((r[0], r[1]), r[2])
            for r in con.execute(
                "select form_id, _dlt_load_id, count(*) from raw_typeform.answers group by all"
            ).fetchall()
        )

    assert {(r[0], r[1], r[2], r[3]) for r in quarantined} == {
        (rid, form, field, str(value)) for rid, (form, field, value) in altered.items()
    }
    reasons = {r[4] for r in quarantined}
    assert reasons == {
        "nps answer 11 is outside its scale 0 to 10",
        "opinion_scale answer 0 is outside its scale 1 to 5",
    }
    assert all(r[5] == "answers" and r[6] and r[7] is not None for r in quarantined)
    assert in_answers == 0, "a quarantined answer never reaches the answers table"
    assert set(altered) <= responses, "the response itself still loads"
    for entity, form_id, read, loaded, rejected, load_id in accounting:
        assert read == loaded + rejected
        if entity == "answers":
            assert loaded == answers_by_form_load[(form_id, load_id)]
            assert rejected == sum(1 for form, _, _ in altered.values() if form == form_id)
