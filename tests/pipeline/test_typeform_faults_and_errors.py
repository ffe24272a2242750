"""The typeform source when the API misbehaves: retries that succeed (rate limits, server
errors, dropped connections), exhausted retries and failures mid-walk that fail cleanly with
nothing half-written into the raw tables, and errors that name their cause (a refused token,
a form that does not exist) without ever showing the token."""

import datetime as dt

import duckdb
import pytest
import requests

from ingestion.pipelines import build_pipeline, run_source
from ingestion.sources.typeform import TypeformSourceError
from ingestion.sources.typeform.client import TypeformClient
from ingestion.warehouse import build_warehouse_path

pytestmark = pytest.mark.integration

TOKEN = "typeform-faults-token-never-shown"
TABLES = ("forms", "form_fields", "responses", "answers", "load_accounting", "quarantine")


@pytest.fixture(scope="module")
def company():
    from simulator import generate_company

    return generate_company(seed=31, scale="small", as_of=dt.date(2026, 3, 31))


@pytest.fixture(scope="module")
def form_ids() -> list[str]:
    from simulator.surveys import SURVEYS

    return [survey.form_id for survey in SURVEYS]


@pytest.fixture
def serve(monkeypatch, tmp_path, form_ids):
    """serve(company, faults) starts a demo API and points the source (and a fresh warehouse)
    at it; retries are fast: no backoff between attempts."""
    from simulator.faults import Faults
    from simulator.server import DemoApi

    monkeypatch.setenv("SALESPULSE_HOME", str(tmp_path / "warehouse"))
    monkeypatch.setenv("SOURCES__TYPEFORM__ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("SOURCES__TYPEFORM__FORM_IDS", str(form_ids).replace("'", '"'))
    # Small pages: more requests, so the faults hit the response walk too.
    monkeypatch.setenv("SOURCES__TYPEFORM__PAGE_SIZE", "100")
    monkeypatch.setenv("RUNTIME__REQUEST_BACKOFF_FACTOR", "0")
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "3")
    started = []

    def start(company, faults=None):
        api = DemoApi(company, token=TOKEN, faults=faults or Faults()).start()
        started.append(api)
        monkeypatch.setenv("SOURCES__TYPEFORM__BASE_URL", api.base_url)
        return api

    yield start
    for api in started:
        api.stop()


def api_counts(api, form_ids) -> tuple[int, int]:
    """(responses, answers) the API serves, walked independently with requests."""
    responses = answers = 0
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        for form_id in form_ids:
            page = http.get(
                f"{api.base_url}/forms/{form_id}/responses", params={"page_size": 1000}
            ).json()
            assert page["total_items"] == len(page["items"])  # the demo is small
            responses += len(page["items"])
            answers += sum(len(item["answers"]) for item in page["items"])
    return responses, answers


def snapshot() -> dict[str, list[tuple]]:
    """Every raw table's rows, sorted, and the pipeline's state of the source."""
    if not build_warehouse_path().exists():
        return {}
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        names = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'raw_typeform' and table_name not like '_dlt%'"
            ).fetchall()
        ]
        found = {
            name: sorted(con.execute(f"select * from raw_typeform.{name}").fetchall(), key=repr)
            for name in names
        }
    found["_state"] = [repr(build_pipeline("typeform").state.get("sources", {}).get("typeform"))]
    return found


def count(table: str) -> int:
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        return con.execute(f"select count(*) from raw_typeform.{table}").fetchone()[0]


def error_chain(error: BaseException) -> list[BaseException]:
    chain, seen = [], set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        chain.append(error)
        error = error.__cause__ or error.__context__
    return chain


def typeform_error(failure: pytest.ExceptionInfo) -> TypeformSourceError:
    chain = error_chain(failure.value)
    assert all(TOKEN not in str(e) and TOKEN not in repr(e) for e in chain)
    found = [e for e in chain if isinstance(e, TypeformSourceError)]
    assert found, chain
    return found[0]


@pytest.mark.parametrize(
    "fault",
    [
        {"rate_limit_every": 3, "retry_after_seconds": 1},
        {"server_error_every": 2},
        {"drop_every": 3},
        {"html_every": 3},
    ],
    ids=["429-every-3rd", "503-every-2nd", "dropped-connection-every-3rd", "html-every-3rd"],
)
def test_retries_absorb_transient_faults(serve, company, form_ids, fault):
    from simulator.faults import Faults

    api = serve(company, Faults(**fault))

    run_source("typeform")

    faulty_requests = api.request_count
    clean = serve(company)
    responses, answers = api_counts(clean, form_ids)
    assert (count("responses"), count("answers")) == (responses, answers)
    assert responses > 100 and answers > responses
    # 2 definitions + ceil(n / 100) pages per form, plus the retries the faults caused.
    pages = 2 + sum(-(-n // 100) for n in _per_form(clean, form_ids))
    assert faulty_requests > pages


def _per_form(api, form_ids) -> list[int]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    return [
        requests.get(
            f"{api.base_url}/forms/{form_id}/responses", params={"page_size": 1}, headers=headers
        ).json()["total_items"]
        for form_id in form_ids
    ]


def test_exhausted_retries_fail_cleanly_and_change_nothing(serve, company, form_ids, monkeypatch):
    from simulator.faults import Faults

    serve(company)
    run_source("typeform")
    before = snapshot()
    later = company.advance(31)  # new responses wait to be loaded
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "2")
    broken = serve(later, Faults(server_error_every=1))

    with pytest.raises(Exception) as failure:
        run_source("typeform")

    error = typeform_error(failure)
    assert error.status == 503 and error.is_transient
    assert "kept failing with HTTP 503 after every retry" in str(error)
    assert broken.request_count == 2  # one request, tried twice, then a clean stop
    assert snapshot() == before

    healthy = serve(later)
    run_source("typeform")
    assert (count("responses"), count("answers")) == api_counts(healthy, form_ids)


def test_a_page_that_stays_html_fails_naming_the_base_url_and_the_path(
    serve, company, form_ids, monkeypatch
):
    from simulator.faults import Faults

    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "2")
    proxy = serve(company, Faults(html_every=1, html_status=200))

    with pytest.raises(Exception) as failure:
        run_source("typeform")

    error = typeform_error(failure)
    assert error.is_transient
    assert "not a JSON object (text/html" in str(error)
    assert f"GET {proxy.base_url}/forms/{form_ids[0]}" in str(error)
    assert proxy.request_count == 2  # one request, tried twice
    assert snapshot() in ({}, {"_state": ["None"]})


def test_an_unreachable_base_url_is_named(serve, company, monkeypatch):
    api = serve(company)
    base_url = api.base_url
    api.stop()  # nothing listens there any more

    with pytest.raises(Exception) as failure:
        run_source("typeform")

    error = typeform_error(failure)
    assert error.is_transient
    assert f"Typeform could not be reached at {base_url}" in str(error)


def test_a_failure_mid_walk_writes_nothing(serve, company, form_ids, monkeypatch):
    serve(company)
    run_source("typeform")
    before = snapshot()
    later = serve(company.advance(62))
    real_responses = TypeformClient.responses

    def fails_after_one_page(self, form_id, since_s):
        pages = real_responses(self, form_id, since_s)
        yield next(pages)
        raise TypeformSourceError("Typeform kept failing with HTTP 502 after every retry.", 502)

    monkeypatch.setattr(TypeformClient, "responses", fails_after_one_page)
    with pytest.raises(Exception) as failure:
        run_source("typeform")

    assert typeform_error(failure).status == 502
    assert snapshot() == before

    monkeypatch.setattr(TypeformClient, "responses", real_responses)
    run_source("typeform")
    assert (count("responses"), count("answers")) == api_counts(later, form_ids)
    with duckdb.connect(str(build_warehouse_path()), read_only=True) as con:
        repeated = con.execute(
            "select count(*) - count(distinct response_id) from raw_typeform.responses"
        ).fetchone()[0]
    assert repeated == 0


def test_a_refused_token_names_the_cause_and_never_the_token(serve, company, monkeypatch):
    serve(company)
    secret = "tfp_0123456789_very_secret_personal_token"
    monkeypatch.setenv("SOURCES__TYPEFORM__ACCESS_TOKEN", secret)

    with pytest.raises(Exception) as failure:
        run_source("typeform")

    chain = error_chain(failure.value)
    assert all(secret not in str(e) and secret not in repr(e) for e in chain)
    error = next(e for e in chain if isinstance(e, TypeformSourceError))
    assert error.status == 401 and not error.is_transient
    assert "rejected the access token (HTTP 401)" in str(error)
    assert "SOURCES__TYPEFORM__ACCESS_TOKEN" in str(error)
    assert snapshot() in ({}, {"_state": ["None"]})


def test_a_form_that_does_not_exist_is_named(serve, company, monkeypatch):
    serve(company)
    monkeypatch.setenv("SOURCES__TYPEFORM__FORM_IDS", '["SPpulse1", "NoSuchForm9"]')

    with pytest.raises(Exception) as failure:
        run_source("typeform")

    error = typeform_error(failure)
    assert error.status == 404 and not error.is_transient
    assert "'NoSuchForm9'" in str(error) and "SOURCES__TYPEFORM__FORM_IDS" in str(error)
    assert snapshot() in ({}, {"_state": ["None"]})


def test_no_form_ids_is_a_configuration_error(serve, company, monkeypatch):
    serve(company)
    monkeypatch.setenv("SOURCES__TYPEFORM__FORM_IDS", "[]")

    with pytest.raises(Exception) as failure:
        run_source("typeform")

    error = typeform_error(failure)
    assert "no Typeform form ids configured" in str(error)
