"""The export tables: what a CRM, an HR survey tool and finance would hand over as files.

Each table is a frame plus the logical type of each column; exports.py turns the types into
CSV text and Parquet types. In frames, timestamps and dates are epoch ms (-1 = empty), money is
int cents, FX rates int millionths; ids are strings (None = empty).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulator import names, state
from simulator.accounts import COUNTRIES, CURRENCIES, INDUSTRIES
from simulator.activities import (
    KIND_NAMES,
    MEETING_OUTCOMES,
    MEETING_SOURCES,
    SUBJECTS,
    TASK_STATUSES,
)
from simulator.contacts import EXISTING_CUSTOMER, INBOUND_LEAD, OBJECT_SOURCES
from simulator.deal_history import CLOSED_LOST_REASONS, FORECAST_CATEGORIES
from simulator.leads import JOB_TITLES, LEAD_SOURCES
from simulator.people import REGIONS, ROLES, SEGMENTS
from simulator.plans import quota_plan
from simulator.stages import LOST, OPEN_STAGES, PIPELINE_ID, STAGE_IDS, WON
from simulator.surveys import SURVEYS, comment_text
from simulator.timeutil import MS_PER_DAY, month_index, month_index_to_ms

if TYPE_CHECKING:
    from simulator.company import Company

# Column types: id and str (text, None empty), ts (UTC instant), date, money (2 decimals),
# rate (6 decimals), int, float, bool.
TABLES = (
    "teams", "reps", "companies", "contacts", "deals", "deal_stage_history",
    "deal_property_history", "activities", "quotas", "fx_rates", "survey_questions",
    "survey_waves", "survey_responses",
)  # fmt: skip


@dataclass(frozen=True)
class Table:
    name: str
    frame: pd.DataFrame
    types: dict[str, str]


def _ids(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.int64)
    out = values.astype(str).astype(object)
    out[values < 0] = None
    return out


def _pick(labels: tuple[str, ...] | list[str], index: np.ndarray) -> np.ndarray:
    return np.asarray(labels, dtype=object)[np.asarray(index, dtype=np.int64)]


def _day(ms: np.ndarray) -> np.ndarray:
    ms = np.asarray(ms, dtype=np.int64)
    return np.where(ms >= 0, ms - ms % MS_PER_DAY, -1)


def build(company: Company, name: str) -> Table:
    try:
        builder = _BUILDERS[name]
    except KeyError:
        raise ValueError(f"unknown table {name!r}; choose from {', '.join(TABLES)}") from None
    frame, types = builder(company)
    return Table(name, frame.reset_index(drop=True), types)


def _teams(company: Company):
    teams = company.teams
    owners = company.world.owners
    managers = owners.index[owners["role_idx"] == 1].to_numpy()
    manager_of = np.full(len(teams), -1, dtype=np.int64)
    manager_of[owners["team_idx"].to_numpy()[managers]] = owners["id_num"].to_numpy()[managers]
    frame = pd.DataFrame(
        {
            "team_id": teams["id"].to_numpy().astype(object),
            "name": teams["name"].to_numpy().astype(object),
            "parent_team_id": np.full(len(teams), None, dtype=object),
            "segment": _pick(SEGMENTS, teams["segment_idx"]),
            "region": _pick(REGIONS, teams["region_idx"]),
            "manager_rep_id": _ids(manager_of),
        }
    )
    types = {"team_id": "id", "name": "str", "parent_team_id": "id", "segment": "str"}
    return frame, types | {"region": "str", "manager_rep_id": "id"}


def _reps(company: Company):
    o = company.owners
    ids = o["id_num"].to_numpy()
    manager = o["manager_idx"].to_numpy()
    frame = pd.DataFrame(
        {
            "rep_id": _ids(ids),
            "first_name": o["first_name"].to_numpy().astype(object),
            "last_name": o["last_name"].to_numpy().astype(object),
            "email": o["email"].to_numpy().astype(object),
            "team_id": company.teams["id"].to_numpy()[o["team_idx"].to_numpy()].astype(object),
            "manager_rep_id": _ids(np.where(manager >= 0, ids[np.maximum(manager, 0)], -1)),
            "role": _pick(ROLES, o["role_idx"]),
            "start_date": _day(o["hired_ms"]),
            "end_date": _day(o["left_ms"]),
            "is_active": ~o["archived"].to_numpy(),
            "created_at": o["created_ms"].to_numpy(),
            "updated_at": o["updated_ms"].to_numpy(),
        }
    )
    types = {"rep_id": "id", "first_name": "str", "last_name": "str", "email": "str"}
    types |= {"team_id": "id", "manager_rep_id": "id", "role": "str", "start_date": "date"}
    return frame, types | {
        "end_date": "date",
        "is_active": "bool",
        "created_at": "ts",
        "updated_at": "ts",
    }


def company_rows(company: Company) -> np.ndarray:
    return np.arange(state.visible_count(company.world.a["created_ms"], company.clock_ms))


def contact_rows(company: Company) -> np.ndarray:
    return np.arange(state.visible_count(company.world.c["created_ms"], company.clock_ms))


def activity_rows(company: Company) -> np.ndarray:
    return np.arange(state.visible_count(company.world.e["created_ms"], company.clock_ms))


def _companies(company: Company):
    w = company.world
    rows = company_rows(company)
    st = state.company_state(w, rows, company.clock_ms)
    a = w.a
    frame = pd.DataFrame(
        {
            "company_id": _ids(w.company_ids[rows]),
            "name": np.array(names.company_names(rows), dtype=object),
            "domain": np.array(names.company_domains(rows), dtype=object),
            "industry": _pick(INDUSTRIES, a["industry_idx"][rows]),
            "country": _pick(COUNTRIES, a["country_idx"][rows]),
            "segment": _pick(SEGMENTS, a["segment_idx"][rows]),
            "employees": st["employees"],
            "lifecycle_stage": _pick(state.LIFECYCLE_STAGES, st["lifecycle"]),
            "owner_id": _ids(w.o["id_num"][a["owner_idx"][rows]]),
            "created_at": a["created_ms"][rows],
            "last_modified_at": st["last_modified_ms"],
        }
    )
    types = {"company_id": "id", "name": "str", "domain": "str", "industry": "str"}
    types |= {"country": "str", "segment": "str", "employees": "int", "lifecycle_stage": "str"}
    return frame, types | {"owner_id": "id", "created_at": "ts", "last_modified_at": "ts"}


def _contacts(company: Company):
    w = company.world
    rows = contact_rows(company)
    st = state.contact_state(w, rows, company.clock_ms)
    c = w.c
    first, last = names.contact_names(w, rows)
    deal_ids = np.where(st["deal_row"] >= 0, w.d["id"][np.maximum(st["deal_row"], 0)], -1)
    frame = pd.DataFrame(
        {
            "contact_id": _ids(w.contact_ids[rows]),
            "first_name": np.array(first, dtype=object),
            "last_name": np.array(last, dtype=object),
            "email": np.array(names.contact_emails(w, rows), dtype=object),
            "job_title": _pick(JOB_TITLES, c["title_idx"][rows]),
            "company_id": _ids(w.company_ids[c["company_idx"][rows]]),
            "owner_id": _ids(w.o["id_num"][c["owner_idx"][rows]]),
            "lead_source": _pick(LEAD_SOURCES, c["source_idx"][rows]),
            "lifecycle_stage": _pick(state.LIFECYCLE_STAGES, st["lifecycle"]),
            "lead_status": _pick(state.LEAD_STATUSES, st["lead_status"]),
            "object_source": _object_sources(c["kind"][rows], c["source_idx"][rows]),
            "created_at": c["created_ms"][rows],
            "became_lead_at": np.where(
                c["kind"][rows] == EXISTING_CUSTOMER, -1, c["created_ms"][rows]
            ),
            "became_customer_at": st["customer_ms"],
            "converted_at": st["converted_ms"],
            "converted_deal_id": _ids(deal_ids),
            "last_modified_at": st["last_modified_ms"],
        }
    )
    types = {"contact_id": "id", "first_name": "str", "last_name": "str", "email": "str"}
    types |= {"job_title": "str", "company_id": "id", "owner_id": "id", "lead_source": "str"}
    types |= {"lifecycle_stage": "str", "lead_status": "str", "object_source": "str"}
    types |= {"created_at": "ts", "became_lead_at": "ts", "became_customer_at": "ts"}
    return frame, types | {
        "converted_at": "ts",
        "converted_deal_id": "id",
        "last_modified_at": "ts",
    }


def _object_sources(kind: np.ndarray, source_idx: np.ndarray) -> np.ndarray:
    """HubSpot's hs_object_source of each contact (an offline inbound lead was imported)."""
    sources = _pick(OBJECT_SOURCES, kind)
    offline = (kind == INBOUND_LEAD) & (source_idx == LEAD_SOURCES.index("OFFLINE"))
    sources[offline] = "IMPORT"
    return sources


def _all_deal_rows(company: Company) -> np.ndarray:
    return np.arange(state.visible_count(company.world.d["created_ms"], company.clock_ms))


def _deals(company: Company):
    w = company.world
    rows = _all_deal_rows(company)
    st = state.deal_state(w, rows, company.clock_ms)
    d = w.d
    stage = st["stage_idx"]
    status = np.where(stage == WON, "won", np.where(stage == LOST, "lost", "open")).astype(object)
    merged = d["merged_into"][rows]
    merged_id = np.where(st["archived"] & (merged >= 0), d["id"][np.maximum(merged, 0)], -1)
    contact = d["contact_idx"][rows]
    partner = d["partner_company_idx"][rows]
    frame = pd.DataFrame(
        {
            "deal_id": _ids(d["id"][rows]),
            "deal_name": np.array(names.deal_names(w, rows), dtype=object),
            "owner_id": _ids(w.o["id_num"][st["owner_idx"]]),
            "company_id": _ids(w.company_ids[d["company_idx"][rows]]),
            "partner_company_id": _ids(
                np.where(partner >= 0, w.company_ids[np.maximum(partner, 0)], -1)
            ),
            "contact_id": _ids(np.where(contact >= 0, w.contact_ids[np.maximum(contact, 0)], -1)),
            "pipeline_id": np.full(rows.size, PIPELINE_ID, dtype=object),
            "deal_type": np.where(
                w.deal_is_existing_business[rows], "existingbusiness", "newbusiness"
            ).astype(object),
            "stage_id": _pick(STAGE_IDS, stage),
            "status": status,
            "forecast_category": _pick(FORECAST_CATEGORIES, st["forecast_category_idx"]),
            "closed_lost_reason": np.where(
                st["lost_reason_idx"] >= 0,
                _pick(CLOSED_LOST_REASONS, np.maximum(st["lost_reason_idx"], 0)),
                None,
            ),
            "amount": st["amount"],
            "currency": _pick(CURRENCIES, d["currency_idx"][rows]),
            "lead_source": _pick(LEAD_SOURCES, d["source_idx"][rows]),
            "created_at": d["created_ms"][rows],
            "closed_at": st["closed_ms"],
            "close_date": st["close_date_ms"],
            "last_modified_at": st["last_modified_ms"],
            "is_deleted": st["archived"],
            "deleted_at": st["archived_ms"],
            "merged_into_deal_id": _ids(merged_id),
        }
    )
    types = {"deal_id": "id", "deal_name": "str", "owner_id": "id", "company_id": "id"}
    types |= {"partner_company_id": "id", "contact_id": "id", "pipeline_id": "str"}
    types |= {"deal_type": "str", "stage_id": "str", "status": "str"}
    types |= {"forecast_category": "str", "closed_lost_reason": "str"}
    types |= {"amount": "money", "currency": "str", "lead_source": "str", "created_at": "ts"}
    types |= {"closed_at": "ts", "close_date": "ts", "last_modified_at": "ts"}
    return frame, types | {"is_deleted": "bool", "deleted_at": "ts", "merged_into_deal_id": "id"}


def _deal_stage_history(company: Company):
    w = company.world
    rows = _all_deal_rows(company)
    st = state.deal_state(w, rows, company.clock_ms)
    entered = w.stage_entered[rows]
    seen = (entered >= 0) & (entered <= st["t"][:, None])
    closed = st["closed_ms"]
    # Column OPEN_STAGES holds the closing stage; every stage is exited by the next one.
    times = np.column_stack([np.where(seen, entered, -1), closed])
    stages = np.column_stack(
        [np.broadcast_to(np.arange(OPEN_STAGES), seen.shape), w.d["final_stage"][rows]]
    )
    nxt = np.column_stack([times[:, 1:], np.full(rows.size, -1)])
    # The exit of the last open stage entered is the close (or nothing while open).
    exited = np.where(nxt >= 0, nxt, -1)
    last_open = st["n_entered"].astype(np.int64) - 1
    exited[np.arange(rows.size), last_open] = closed
    mask = times >= 0
    deal_id = np.broadcast_to(w.d["id"][rows][:, None], mask.shape)[mask]
    frame = pd.DataFrame(
        {
            "deal_id": _ids(deal_id),
            "stage_id": _pick(STAGE_IDS, stages[mask]),
            "entered_at": times[mask],
            "exited_at": exited[mask],
        }
    )
    return frame, {"deal_id": "id", "stage_id": "str", "entered_at": "ts", "exited_at": "ts"}


# The export's property names for the history HubSpot keeps of each deal property.
HISTORY_PROPERTY_NAMES = {
    "amount": "amount",
    "closedate": "close_date",
    "hubspot_owner_id": "owner_id",
    "hs_forecast_category": "forecast_category",
}


def _deal_property_history(company: Company):
    """Every value the deals' amount, close date, owner and forecast category had, with when it
    was set (a CRM's field history, like Salesforce's OpportunityFieldHistory): values as text,
    money with 2 decimals, close dates as YYYY-MM-DD, owners by id."""
    w = company.world
    events = state.deal_history_events(w, _all_deal_rows(company), company.clock_ms)
    prop, value = events["property"].to_numpy(), events["value"].to_numpy()
    text = np.empty(len(events), dtype=object)
    money = prop == "amount"
    text[money] = [
        f"{'-' if v < 0 else ''}{abs(v) // 100}.{abs(v) % 100:02d}" for v in value[money]
    ]
    day = prop == "closedate"
    text[day] = np.datetime_as_string(value[day].astype("datetime64[ms]"), unit="D").astype(object)
    owner = prop == "hubspot_owner_id"
    text[owner] = w.o["id_num"][value[owner]].astype(str).astype(object)
    category = prop == "hs_forecast_category"
    text[category] = _pick(FORECAST_CATEGORIES, value[category])
    frame = pd.DataFrame(
        {
            "deal_id": _ids(w.d["id"][events["row"].to_numpy()]),
            "property": pd.Series(prop).map(HISTORY_PROPERTY_NAMES).to_numpy(dtype=object),
            "value": text,
            "changed_at": events["changed_ms"].to_numpy(),
        }
    )
    return frame, {"deal_id": "id", "property": "str", "value": "str", "changed_at": "ts"}


def _activities(company: Company):
    w = company.world
    rows = activity_rows(company)
    st = state.activity_state(w, rows, company.clock_ms)
    e = w.e
    kind = e["kind"][rows]
    direction = e["direction"][rows]
    status = np.where(
        kind == 2,
        _pick(MEETING_OUTCOMES, st["status"]),
        np.where(
            kind == 3,
            _pick(TASK_STATUSES, np.minimum(st["status"], 1)),
            np.where(kind == 0, "COMPLETED", "SENT"),
        ),
    ).astype(object)
    subjects = np.array([s for group in SUBJECTS for s in group], dtype=object)
    contact, deal = e["contact_idx"][rows], e["deal_idx"][rows]
    duration = e["duration_ms"][rows] // 1000
    frame = pd.DataFrame(
        {
            "activity_id": _ids(e["id"][rows]),
            "type": _pick(KIND_NAMES, kind),
            "direction": _pick((None, "outbound", "inbound"), direction),
            "occurred_at": e["ts_ms"][rows],
            "created_at": e["created_ms"][rows],
            "meeting_source": np.where(
                kind == 2, _pick(MEETING_SOURCES, e["booked_by"][rows]), None
            ).astype(object),
            "last_modified_at": st["last_modified_ms"],
            "owner_id": _ids(w.o["id_num"][e["owner_idx"][rows]]),
            "contact_id": _ids(np.where(contact >= 0, w.contact_ids[np.maximum(contact, 0)], -1)),
            "deal_id": _ids(np.where(deal >= 0, w.d["id"][np.maximum(deal, 0)], -1)),
            "company_id": _ids(w.company_ids[e["company_idx"][rows]]),
            "subject": subjects[kind.astype(np.int64) * 5 + e["subject_idx"][rows]],
            "status": status,
            "duration_seconds": pd.array(
                np.where((kind == 0) | (kind == 2), duration, 0), dtype="Int64"
            ),
        }
    )
    frame.loc[(kind == 1) | (kind == 3), "duration_seconds"] = pd.NA
    types = {"activity_id": "id", "type": "str", "direction": "str", "occurred_at": "ts"}
    types |= {"created_at": "ts", "meeting_source": "str", "last_modified_at": "ts"}
    types |= {"owner_id": "id"}
    types |= {"contact_id": "id", "deal_id": "id", "company_id": "id", "subject": "str"}
    return frame, types | {"status": "str", "duration_seconds": "int"}


def quota_rows(company: Company) -> pd.DataFrame:
    """The quota plan as known at the clock: every rep hired by then, through the end of the
    clock's calendar quarter (future leavers are not known yet)."""
    owners = company.owners
    first = int(month_index(np.array([company.world.window_start_ms]))[0])
    now = int(month_index(np.array([company.clock_ms]))[0])
    last = now - now % 3 + 2
    return quota_plan(owners, company.world.quota_bases, first, last)


def _quotas(company: Company):
    plan = quota_rows(company)
    o = company.owners
    owner = plan["owner_idx"].to_numpy()
    month = plan["month"].to_numpy()
    frame = pd.DataFrame(
        {
            "rep_id": _ids(o["id_num"].to_numpy()[owner]),
            "team_id": company.teams["id"]
            .to_numpy()[o["team_idx"].to_numpy()[owner]]
            .astype(object),
            "period_start": month_index_to_ms(month),
            "period_end": month_index_to_ms(month + 1) - MS_PER_DAY,
            "metric": np.full(len(plan), "bookings", dtype=object),
            "target": plan["target_cents"].to_numpy(),
            "currency": np.full(len(plan), "USD", dtype=object),
        }
    )
    types = {"rep_id": "id", "team_id": "id", "period_start": "date", "period_end": "date"}
    return frame, types | {"metric": "str", "target": "money", "currency": "str"}


def _fx_rates(company: Company):
    w = company.world
    n_days = company.clock_ms // MS_PER_DAY - w.fx_first_day + 1
    days = (w.fx_first_day + np.arange(n_days)) * MS_PER_DAY
    n_cur = len(CURRENCIES)
    frame = pd.DataFrame(
        {
            "currency": np.tile(np.array(CURRENCIES, dtype=object), n_days),
            "rate_date": np.repeat(days, n_cur),
            "rate_to_reporting": w.fx_micro[:n_days].ravel(),
        }
    )
    return frame, {"currency": "str", "rate_date": "date", "rate_to_reporting": "rate"}


def _survey_questions(company: Company):
    rows = [
        (s.form_id, q.field_id, q.ref, q.kind, q.type, q.scale[0], q.scale[1], q.title, pos)
        for s in SURVEYS
        for pos, q in enumerate(s.questions)
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "survey_id", "question_id", "ref", "kind", "field_type", "scale_min", "scale_max",
            "text", "position",
        ],
    )  # fmt: skip
    frame["scale_min"] = frame["scale_min"].astype("Int64")
    frame["scale_max"] = frame["scale_max"].astype("Int64")
    types = {"survey_id": "id", "question_id": "id", "ref": "str", "kind": "str"}
    types |= {"field_type": "str", "scale_min": "int", "scale_max": "int", "text": "str"}
    return frame, types | {"position": "int"}


def sent_team_waves(company: Company) -> pd.DataFrame:
    tw = company.world.team_waves
    return tw[tw["sent_ms"] <= company.clock_ms]


def submitted_responses(company: Company) -> pd.DataFrame:
    r = company.world.responses
    return r[r["submitted_ms"] <= company.clock_ms]


def _survey_waves(company: Company):
    tw = sent_team_waves(company)
    frame = pd.DataFrame(
        {
            "survey_id": _pick([s.form_id for s in SURVEYS], tw["survey_idx"]),
            "wave": tw["wave"].to_numpy().astype(object),
            "team_id": company.teams["id"].to_numpy()[tw["team_idx"].to_numpy()].astype(object),
            "sent_at": tw["sent_ms"].to_numpy(),
            "invited": tw["invited"].to_numpy(),
        }
    )
    return frame, {
        "survey_id": "id",
        "wave": "str",
        "team_id": "id",
        "sent_at": "ts",
        "invited": "int",
    }


def _survey_responses(company: Company):
    r = submitted_responses(company)
    tw = company.world.team_waves
    parts = []
    for s_idx, survey in enumerate(SURVEYS):
        mine = r[r["survey_idx"].to_numpy() == s_idx]
        waves = tw["wave"].to_numpy()[mine["team_wave"].to_numpy()]
        base = {
            "response_id": mine["token"].to_numpy().astype(object),
            "survey_id": np.full(len(mine), survey.form_id, dtype=object),
            "wave": waves.astype(object),
            "team_id": company.teams["id"].to_numpy()[mine["team_idx"].to_numpy()].astype(object),
            "landed_at": mine["landed_ms"].to_numpy(),
            "submitted_at": mine["submitted_ms"].to_numpy(),
        }
        for q_idx, q in enumerate(survey.questions):
            if q.type == "long_text":
                answered = mine["text_idx"].to_numpy() >= 0
                value = pd.array([pd.NA] * int(answered.sum()), dtype="Int64")
                text = [comment_text(t) for t in mine["text_idx"].to_numpy()[answered]]
            else:
                answered = np.ones(len(mine), dtype=bool)
                value = pd.array(mine[f"a{q_idx}"].to_numpy().astype(np.int64), dtype="Int64")
                text = [None] * len(mine)
            part = pd.DataFrame({k: v[answered] for k, v in base.items()})
            part["question_id"] = q.field_id
            part["position"] = q_idx
            part["value"] = value
            part["text"] = np.array(text, dtype=object)
            parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.sort_values(["submitted_at", "response_id", "position"], kind="stable")
    frame = frame.drop(columns="position")
    types = {"response_id": "id", "survey_id": "id", "wave": "str", "team_id": "id"}
    types |= {"landed_at": "ts", "submitted_at": "ts", "question_id": "id", "value": "int"}
    return frame, types | {"text": "str"}


_BUILDERS = {
    "teams": _teams,
    "reps": _reps,
    "companies": _companies,
    "contacts": _contacts,
    "deals": _deals,
    "deal_stage_history": _deal_stage_history,
    "deal_property_history": _deal_property_history,
    "activities": _activities,
    "quotas": _quotas,
    "fx_rates": _fx_rates,
    "survey_questions": _survey_questions,
    "survey_waves": _survey_waves,
    "survey_responses": _survey_responses,
}
