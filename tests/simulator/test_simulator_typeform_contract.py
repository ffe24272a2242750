"""The Typeform forms and Responses API contract as a client sees it over HTTP."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import requests

from simulator import Company
from simulator.server import DemoApi

ISO_S = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
PULSE, ENPS = "SPpulse1", "SPenps01"


def _assert_error(response: requests.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and body["description"]


def _responses(http: requests.Session, api: DemoApi, form: str, **params: str) -> dict:
    response = http.get(f"{api.base_url}/forms/{form}/responses", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _walk(http, api, form: str, direction: str, page_size: int = 100) -> list[dict]:
    items, token = [], None
    while True:
        # Walking forward starts from the oldest: the first page is sorted ascending.
        first = {"sort": "submitted_at,asc"} if direction == "after" else {}
        params = {"page_size": str(page_size)} | ({direction: token} if token else first)
        page = _responses(http, api, form, **params)
        items += page["items"]
        if not page["items"]:
            return items
        assert page["page_count"] == max(1, -(-page["total_items"] // page_size))
        token = page["items"][-1]["token"]


def test_auth_and_errors(http: requests.Session, api: DemoApi, token: str) -> None:
    url = f"{api.base_url}/forms/{PULSE}/responses"
    _assert_error(requests.get(url, timeout=5), 401, "AUTHENTICATION_FAILED")
    wrong = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=5)
    _assert_error(wrong, 401, "AUTHENTICATION_FAILED")
    assert token not in wrong.text
    _assert_error(http.get(f"{api.base_url}/forms/nope"), 404, "FORM_NOT_FOUND")
    _assert_error(http.get(f"{api.base_url}/forms/nope/responses"), 404, "FORM_NOT_FOUND")
    _assert_error(http.get(f"{api.base_url}/forms/{PULSE}/answers"), 404, "NOT_FOUND")
    _assert_error(http.post(url, json={}), 405, "METHOD_NOT_ALLOWED")
    for params in (
        {"page_size": "1001"},
        {"page_size": "0"},
        {"page_size": "x"},
        {"since": "yesterday"},
        {"before": "not-a-token"},
        {"after": "x", "before": "y"},
        {"sort": "landed_at,asc"},
        {"completed": "maybe"},
    ):
        _assert_error(http.get(url, params=params), 400, "VALIDATION_ERROR")
    first = _responses(http, api, PULSE, page_size="1")["items"][0]["token"]
    with_sort = http.get(url, params={"before": first, "sort": "submitted_at,desc"})
    _assert_error(with_sort, 400, "VALIDATION_ERROR")
    assert with_sort.json()["details"][0]["in"] == "query"


def test_forms_list_and_definitions(http: requests.Session, api: DemoApi) -> None:
    listed = http.get(f"{api.base_url}/forms").json()
    assert listed["total_items"] == 2 and listed["page_count"] == 1
    assert {f["id"] for f in listed["items"]} == {PULSE, ENPS}
    pulse = http.get(f"{api.base_url}/forms/{PULSE}").json()
    assert pulse["id"] == PULSE and pulse["hidden"] == ["team", "wave"]
    types = [f["type"] for f in pulse["fields"]]
    assert types.count("opinion_scale") == 8 and types[-1] == "long_text" and len(types) <= 10
    for field in pulse["fields"]:
        assert set(field) == {"id", "title", "ref", "properties", "validations", "type"}
        if field["type"] == "opinion_scale":
            steps, from_one = field["properties"]["steps"], field["properties"]["start_at_one"]
            assert (steps, from_one) in {(5, True), (7, True), (11, False)}
            assert field["validations"]["required"] is True
    scales = [
        (f["properties"]["steps"], f["properties"]["start_at_one"])
        for f in pulse["fields"]
        if f["type"] == "opinion_scale"
    ]
    assert scales.count((5, True)) == 6 and (7, True) in scales and (11, False) in scales
    enps = http.get(f"{api.base_url}/forms/{ENPS}").json()
    assert [f["type"] for f in enps["fields"]] == ["nps", "long_text"]
    assert enps["fields"][0]["properties"]["steps"] == 11
    assert enps["fields"][0]["properties"]["start_at_one"] is False


def test_response_shape(http: requests.Session, api: DemoApi, company: Company) -> None:
    page = _responses(http, api, PULSE)
    assert set(page) == {"total_items", "page_count", "items"} and len(page["items"]) == 25
    fields = {f["id"]: f for f in http.get(f"{api.base_url}/forms/{PULSE}").json()["fields"]}
    team_ids = set(company.teams["id"])
    for item in page["items"]:
        assert item["response_id"] == item["token"] == item["landing_id"]
        assert re.fullmatch(r"[a-z0-9]{32}", item["token"])
        assert ISO_S.fullmatch(item["landed_at"]) and ISO_S.fullmatch(item["submitted_at"])
        assert item["landed_at"] <= item["submitted_at"]
        assert item["hidden"]["team"] in team_ids
        assert re.fullmatch(r"\d{4}-\d\d", item["hidden"]["wave"])
        assert len(item["answers"]) in (8, 9)
        for answer in item["answers"]:
            field = fields[answer["field"]["id"]]
            assert answer["field"] == {
                "id": field["id"],
                "type": field["type"],
                "ref": field["ref"],
            }
            if field["type"] == "opinion_scale":
                steps = field["properties"]["steps"]
                first = 1 if field["properties"]["start_at_one"] else 0
                assert answer["type"] == "number" and first <= answer["number"] < first + steps
            else:
                assert answer["type"] == "text" and answer["text"]
    enps = _responses(http, api, ENPS, page_size="200")["items"]
    scores = [a["number"] for item in enps for a in item["answers"] if a["type"] == "number"]
    assert min(scores) >= 0 and max(scores) <= 10 and len(set(scores)) > 5
    assert all(re.fullmatch(r"\d{4}-Q[1-4]", item["hidden"]["wave"]) for item in enps)


def test_before_and_after_tokens_walk_everything_once(
    http: requests.Session, api: DemoApi, company: Company
) -> None:
    total = _responses(http, api, ENPS, page_size="1")["total_items"]
    assert total == len(
        company.table("survey_responses").frame.query("survey_id == @ENPS")["response_id"].unique()
    )
    newest_first = _walk(http, api, ENPS, "before")
    oldest_first = _walk(http, api, ENPS, "after")
    assert len(newest_first) == len({i["token"] for i in newest_first}) == total
    assert [i["token"] for i in oldest_first] == [i["token"] for i in reversed(newest_first)]
    stamps = [i["submitted_at"] for i in oldest_first]
    assert stamps == sorted(stamps)
    ascending = _responses(http, api, ENPS, page_size="1000", sort="submitted_at,asc")["items"]
    assert [i["token"] for i in ascending] == [i["token"] for i in oldest_first][:1000]


def test_since_and_until_are_inclusive_in_both_formats(
    http: requests.Session, api: DemoApi
) -> None:
    items = _responses(http, api, ENPS, page_size="1000")["items"]
    target = items[len(items) // 2]
    at = dt.datetime.fromisoformat(target["submitted_at"].replace("Z", "+00:00"))
    for since in (str(int(at.timestamp())), at.strftime("%Y-%m-%dT%H:%M:%S")):
        page = _responses(http, api, ENPS, since=since, until=since, page_size="1000")
        assert target["token"] in {i["token"] for i in page["items"]}
        assert all(i["submitted_at"] == target["submitted_at"] for i in page["items"])
    later = _responses(http, api, ENPS, since=str(int(at.timestamp()) + 1), page_size="1000")
    assert target["token"] not in {i["token"] for i in later["items"]}
    assert later["total_items"] == sum(i["submitted_at"] > target["submitted_at"] for i in items)
    assert _responses(http, api, ENPS, completed="false")["total_items"] == 0


def test_responses_per_team_wave_never_exceed_the_invited(
    http: requests.Session, api: DemoApi, company: Company
) -> None:
    items = _walk(http, api, PULSE, "before", page_size=1000)
    counts: dict[tuple[str, str], int] = {}
    for item in items:
        key = (item["hidden"]["team"], item["hidden"]["wave"])
        counts[key] = counts.get(key, 0) + 1
    waves = company.table("survey_waves").frame
    invited = {
        (r.team_id, r.wave): r.invited for r in waves[waves["survey_id"] == PULSE].itertuples()
    }
    assert counts and all(n <= invited[key] for key, n in counts.items())


@pytest.mark.parametrize("form", [PULSE, ENPS])
def test_page_size_default_and_max(http: requests.Session, api: DemoApi, form: str) -> None:
    assert len(_responses(http, api, form)["items"]) == 25
    big = _responses(http, api, form, page_size="1000")
    assert len(big["items"]) == min(1000, big["total_items"])
