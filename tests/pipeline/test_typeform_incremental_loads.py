"""The typeform source the way dlt's verified sources are tested: load every demo form, check
each table against an independent walk of the API, rerun unchanged (nothing new), advance the
clock past a new survey wave and reload (the new responses arrive, nothing twice), and load one
table alone without the other missing anything."""

import datetime as dt

import duckdb
import pytest
import requests

from ingestion.pipelines import build_pipeline, make_source, run_source
from ingestion.warehouse import build_warehouse_path

pytestmark = pytest.mark.integration

TOKEN = "typeform-incremental-token"
TABLES = ("forms", "form_fields", "responses", "answers")


@pytest.fixture(scope="module")
def api():
    """A demo company of its own: these tests move its clock."""
    from simulator import generate_company
    from simulator.server import DemoApi

    company = generate_company(seed=23, scale="small", as_of=dt.date(2026, 3, 31))
    with DemoApi(company, token=TOKEN) as running:
        yield running


@pytest.fixture(scope="module")
def form_ids() -> list[str]:
    from simulator.surveys import SURVEYS

    return [survey.form_id for survey in SURVEYS]


@pytest.fixture(scope="module")
def home(tmp_path_factory, api, form_ids):
    """One warehouse for the module's sequence of loads."""
    path = tmp_path_factory.mktemp("typeform-incremental") / "warehouse"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SALESPULSE_HOME", str(path))
        patch.setenv("SOURCES__TYPEFORM__BASE_URL", api.base_url)
        patch.setenv("SOURCES__TYPEFORM__ACCESS_TOKEN", TOKEN)
        patch.setenv("SOURCES__TYPEFORM__FORM_IDS", str(form_ids).replace("'", '"'))
        yield path


def api_responses(api, form_id: str) -> list[dict]:
    """Every response of a form as the API serves it now, walked oldest first with `after`
    tokens (the source walks newest first with `before`)."""
    items: list[dict] = []
    params: dict = {"page_size": 1000, "sort": "submitted_at,asc"}
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        while True:
            url = f"{api.base_url}/forms/{form_id}/responses"
            page = http.get(url, params=params, timeout=10).json()
            if not page["items"]:
                return items
            items += page["items"]
            params = {"page_size": 1000, "after": page["items"][-1]["token"]}


def api_definition(api, form_id: str) -> dict:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    return requests.get(f"{api.base_url}/forms/{form_id}", headers=headers, timeout=10).json()


def query(sql: str) -> list[tuple]:
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        return con.execute(sql).fetchall()


def raw_responses() -> dict[str, tuple]:
    rows = query(
        "select response_id, form_id, submitted_at, team, wave from raw_typeform.responses"
    )
    return {row[0]: row[1:] for row in rows}


def raw_answers() -> dict[tuple[str, str], tuple]:
    rows = query(
        "select response_id, field_id, answer_type, number, text from raw_typeform.answers"
    )
    return {(row[0], row[1]): row[2:] for row in rows}


def rows_loaded() -> dict[str, int]:
    counts = build_pipeline("typeform").last_trace.last_normalize_info.row_counts
    return {table: n for table, n in counts.items() if not table.startswith("_dlt")}


def latest_accounting() -> dict[tuple[str, str], tuple[int, int, int]]:
    rows = query(
        "select entity, form_id, rows_read, rows_loaded, rows_quarantined "
        "from raw_typeform.load_accounting "
        "where load_id = (select max(load_id) from raw_typeform.load_accounting)"
    )
    return {(row[0], row[1]): row[2:] for row in rows}


def expected_rows(api, form_ids) -> tuple[dict[str, tuple], dict[tuple[str, str], tuple]]:
    """Responses and answers as the API has them, in the raw tables' shapes."""
    responses, answers = {}, {}
    for form_id in form_ids:
        for item in api_responses(api, form_id):
            submitted = dt.datetime.fromisoformat(item["submitted_at"].replace("Z", "+00:00"))
            hidden = item["hidden"]
            responses[item["token"]] = (form_id, submitted, hidden["team"], hidden["wave"])
            for answer in item["answers"]:
                number = answer.get("number")
                answers[(item["token"], answer["field"]["id"])] = (
                    answer["type"],
                    None if number is None else float(number),
                    answer.get("text"),
                )
    return responses, answers


def test_first_load_has_every_form_question_response_and_answer(home, api, form_ids):
    requests_before = api.request_count

    load_info = run_source("typeform")

    requests_made = api.request_count - requests_before
    assert not load_info.has_failed_jobs
    expected_responses, expected_answers = expected_rows(api, form_ids)
    loaded_responses = raw_responses()
    assert len(loaded_responses) == len(expected_responses) > 0
    assert loaded_responses == {
        rid: (form, at.astimezone(dt.UTC), team, wave)
        for rid, (form, at, team, wave) in expected_responses.items()
    }
    assert raw_answers() == expected_answers
    assert rows_loaded()["responses"] == len(expected_responses)
    assert rows_loaded()["answers"] == len(expected_answers)
    # One definition and one page of responses per form (the demo has < 1000 per form).
    assert requests_made == 2 * len(form_ids)

    forms = {
        row[0]: row[1:]
        for row in query("select form_id, title, survey_type from raw_typeform.forms")
    }
    assert forms == {
        form_id: (api_definition(api, form_id)["title"], kind)
        for form_id, kind in zip(form_ids, ("pulse", "enps"), strict=True)
    }
    fields = query(
        "select form_id, field_id, type, scale_min, scale_max from raw_typeform.form_fields"
    )
    expected_fields = {
        (form_id, field["id"], field["type"])
        for form_id in form_ids
        for field in api_definition(api, form_id)["fields"]
    }
    assert {row[:3] for row in fields} == expected_fields
    scales = {row[2]: (row[3], row[4]) for row in fields}
    assert scales == {"opinion_scale": (1, 5), "nps": (0, 10), "long_text": (None, None)}

    accounting = latest_accounting()
    by_form = {
        form_id: [r for r in expected_responses.values() if r[0] == form_id] for form_id in form_ids
    }
    for form_id in form_ids:
        n = len(by_form[form_id])
        assert accounting[("responses", form_id)] == (n, n, 0)
        answers = sum(1 for (rid, _) in expected_answers if expected_responses[rid][0] == form_id)
        assert accounting[("answers", form_id)] == (answers, answers, 0)
        assert accounting[("forms", form_id)] == (1, 1, 0)
        questions = len(api_definition(api, form_id)["fields"])
        assert accounting[("form_fields", form_id)] == (questions, questions, 0)
    assert query("select count(*) from raw_typeform.quarantine") == [(0,)]


def test_an_unchanged_rerun_loads_nothing_new(home, api, form_ids):
    before = (raw_responses(), raw_answers())
    requests_before = api.request_count

    run_source("typeform")

    loaded = rows_loaded()
    assert all(loaded.get(table, 0) == 0 for table in TABLES), loaded
    assert (raw_responses(), raw_answers()) == before
    # The re-read of the look-back window costs one page per form, nothing more.
    assert api.request_count - requests_before == 2 * len(form_ids)
    accounting = latest_accounting()
    assert all(
        accounting[(table, form_id)] == (0, 0, 0) for table in TABLES for form_id in form_ids
    )


def test_a_month_later_the_new_wave_arrives_once(home, api, form_ids):
    before_responses, before_answers = raw_responses(), raw_answers()
    waves_before = {wave for (_, _, _, wave) in before_responses.values()}
    api.advance(31)

    run_source("typeform")

    expected_responses, expected_answers = expected_rows(api, form_ids)
    loaded_responses, loaded_answers = raw_responses(), raw_answers()
    assert set(loaded_responses) == set(expected_responses)
    assert set(loaded_answers) == set(expected_answers)
    new = set(expected_responses) - set(before_responses)
    assert new, "a month of the demo company brings a new survey wave"
    assert {loaded_responses[rid][3] for rid in new} - waves_before, "a wave not seen before"
    assert rows_loaded()["responses"] == len(new)
    assert rows_loaded()["answers"] == len(set(expected_answers) - set(before_answers))
    for table, key in (("responses", "response_id"), ("answers", "response_id, field_id")):
        total, distinct = query(
            f"select count(*), count(distinct ({key})) from raw_typeform.{table}"
        )[0]
        assert (
            total
            == distinct
            == len(expected_responses if table == "responses" else expected_answers)
        )
    accounting = latest_accounting()
    assert sum(accounting[("responses", form_id)][0] for form_id in form_ids) == len(new)

    run_source("typeform")

    assert rows_loaded().get("responses", 0) == 0 and rows_loaded().get("answers", 0) == 0


def test_loading_one_table_alone_never_makes_the_other_miss_responses(home, api, form_ids):
    before_responses = raw_responses()
    api.advance(31)
    pipeline = build_pipeline("typeform")

    pipeline.run(make_source("typeform").with_resources("answers"), loader_file_format="parquet")

    assert raw_responses() == before_responses  # responses were not selected
    answers_after_alone = raw_answers()

    run_source("typeform")

    expected_responses, expected_answers = expected_rows(api, form_ids)
    assert set(raw_responses()) == set(expected_responses)
    assert set(expected_responses) - set(before_responses), "the month brought responses"
    assert raw_answers() == answers_after_alone == expected_answers
    loaded = rows_loaded()
    assert loaded["responses"] == len(set(expected_responses) - set(before_responses))
    assert loaded.get("answers", 0) == 0, "answers already had them"
