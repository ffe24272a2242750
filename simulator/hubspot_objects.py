"""HubSpot CRM object types over the timeline at one clock: ids, property values (all strings),
property history, associations, and the vectors the search endpoint filters and sorts on.

Everything is computed for the rows asked for (one page) except `vector`, which the search
endpoint needs over every listed record; vectors are cached per instance, and an instance lives
as long as its clock.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from simulator import names, state
from simulator.accounts import COUNTRIES, CURRENCIES, INDUSTRIES
from simulator.activities import (
    CALL,
    EMAIL,
    INBOUND,
    MEETING,
    MEETING_OUTCOMES,
    MEETING_SOURCES,
    SUBJECTS,
    TASK,
    TASK_STATUSES,
    TASK_TYPES,
)
from simulator.company import Company
from simulator.contacts import EXISTING_CUSTOMER, INBOUND_LEAD, OBJECT_SOURCES
from simulator.deal_history import CLOSED_LOST_REASONS, FORECAST_CATEGORIES
from simulator.leads import JOB_TITLES, LEAD_SOURCES
from simulator.people import SEGMENTS
from simulator.stages import PIPELINE_ID, STAGE_IDS, WON
from simulator.timeutil import iso_ms

Value = str | None
Change = tuple[int, Value]  # (epoch ms, value)

# HubSpot-defined association types between the object types served: (from, to) -> the
# unlabeled type's id and v3 name, and for pairs with a primary company the primary type's id,
# v3 name and v4 label. A primary link is listed with both types (the v3 inline associations name
# it twice, deal_to_company and deal_to_company_unlabeled); any other link with the unlabeled one.
ASSOCIATION_TYPES: dict[tuple[str, str], tuple[int, str, int | None, str | None, str | None]] = {
    ("deals", "companies"): (341, "deal_to_company_unlabeled", 5, "deal_to_company", "Deal with Primary Company"),
    ("companies", "deals"): (342, "company_to_deal_unlabeled", 6, "company_to_deal", "Deal with Primary Company"),
    ("contacts", "companies"): (279, "contact_to_company_unlabeled", 1, "contact_to_company", "Primary"),
    ("companies", "contacts"): (280, "company_to_contact_unlabeled", 2, "company_to_contact", "Primary"),
    ("deals", "contacts"): (3, "deal_to_contact", None, None, None),
    ("contacts", "deals"): (4, "contact_to_deal", None, None, None),
    ("calls", "contacts"): (194, "call_to_contact", None, None, None),
    ("calls", "companies"): (182, "call_to_company", None, None, None),
    ("calls", "deals"): (206, "call_to_deal", None, None, None),
    ("emails", "contacts"): (198, "email_to_contact", None, None, None),
    ("emails", "companies"): (186, "email_to_company", None, None, None),
    ("emails", "deals"): (210, "email_to_deal", None, None, None),
    ("meetings", "contacts"): (200, "meeting_event_to_contact", None, None, None),
    ("meetings", "companies"): (188, "meeting_event_to_company", None, None, None),
    ("meetings", "deals"): (212, "meeting_event_to_deal", None, None, None),
    ("tasks", "contacts"): (204, "task_to_contact", None, None, None),
    ("tasks", "companies"): (192, "task_to_company", None, None, None),
    ("tasks", "deals"): (216, "task_to_deal", None, None, None),
    ("contacts", "calls"): (193, "contact_to_call", None, None, None),
    ("contacts", "emails"): (197, "contact_to_email", None, None, None),
    ("contacts", "meetings"): (199, "contact_to_meeting_event", None, None, None),
    ("contacts", "tasks"): (203, "contact_to_task", None, None, None),
    ("companies", "calls"): (181, "company_to_call", None, None, None),
    ("companies", "emails"): (185, "company_to_email", None, None, None),
    ("companies", "meetings"): (187, "company_to_meeting_event", None, None, None),
    ("companies", "tasks"): (191, "company_to_task", None, None, None),
    ("deals", "calls"): (205, "deal_to_call", None, None, None),
    ("deals", "emails"): (209, "deal_to_email", None, None, None),
    ("deals", "meetings"): (211, "deal_to_meeting_event", None, None, None),
    ("deals", "tasks"): (215, "deal_to_task", None, None, None),
}  # fmt: skip


def money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(int(cents))
    return f"{sign}{cents // 100}.{cents % 100:02d}"


class ObjectType:
    """One HubSpot object type as seen at the company's clock."""

    name: str  # plural, as in the URL
    singular: str
    type_id: str
    properties: tuple[str, ...]  # every property it has, in the order responses list them
    defaults: tuple[str, ...]  # returned when a request names none
    created_prop = "createdate"
    modified_prop = "hs_lastmodifieddate"
    associable: tuple[str, ...] = ()

    def __init__(self, company: Company) -> None:
        self.company = company
        self.w = company.world
        self.clock = company.clock_ms
        self._cache: dict[str, np.ndarray] = {}

    @property
    def always(self) -> tuple[str, ...]:
        return (self.created_prop, self.modified_prop, "hs_object_id")

    # Rows: indices into the timeline frame of this type, in id order.
    def all_ids(self) -> np.ndarray:
        raise NotImplementedError

    def all_created(self) -> np.ndarray:
        raise NotImplementedError

    def all_archived(self) -> np.ndarray | None:
        return None

    def listed(self, archived: bool) -> np.ndarray:
        key = f"listed:{archived}"
        if key not in self._cache:
            n = state.visible_count(self.all_created(), self.clock)
            gone = self.all_archived()
            if gone is None:
                rows = np.arange(n) if not archived else np.arange(0)
            else:
                is_gone = (gone[:n] >= 0) & (gone[:n] <= self.clock)
                rows = np.flatnonzero(is_gone if archived else ~is_gone)
            self._cache[key] = rows
        return self._cache[key]

    def find(self, object_id: int, archived: bool) -> int | None:
        ids = self.all_ids()
        pos = int(np.searchsorted(ids, object_id))
        if pos >= ids.size or ids[pos] != object_id:
            return None
        rows = self.listed(archived)
        at = int(np.searchsorted(rows, pos))
        return pos if at < rows.size and rows[at] == pos else None

    # Values at the clock for a batch of rows: {row: {property: value}}, plus modification and
    # archiving times for createdAt/updatedAt/archivedAt.
    def page(self, rows: np.ndarray) -> list[dict]:
        raise NotImplementedError

    def history(self, row: int, prop: str, current: dict) -> list[Change]:
        """Changes of `prop` up to the clock, oldest first; single entry unless overridden."""
        return [(self.created_ms(row), current.get(prop))]

    def created_ms(self, row: int) -> int:
        return int(self.all_created()[row])

    def associations(self, row: int, to: str) -> list[int]:
        return []

    def is_primary(self, row: int, to: str, target: int) -> bool:
        """Whether the link to `target` (an id of type `to`) is the record's primary company
        link; only pairs with a primary type in ASSOCIATION_TYPES have one."""
        return False

    # Search support: vectors over listed(False), keyed by property name.
    def vector(self, prop: str) -> np.ndarray | None:
        rows = self.listed(False)
        if prop == "hs_object_id":
            return self.all_ids()[rows]
        if prop == self.created_prop:
            return self.all_created()[rows]
        if prop == self.modified_prop:
            key = "modified"
            if key not in self._cache:
                self._cache[key] = self.modified(rows)
            return self._cache[key]
        if prop == "hubspot_owner_id":
            return self.w.o["id_num"][self.owner_rows(rows)]
        return None

    def modified(self, rows: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def owner_rows(self, rows: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def _visible_members(members: np.ndarray, created: np.ndarray, clock: int) -> np.ndarray:
    return members[created[members] <= clock]


class Deals(ObjectType):
    name, singular, type_id = "deals", "deal", "0-3"
    properties = (
        "amount", "closed_lost_reason", "closedate", "createdate", "deal_currency_code",
        "dealname", "dealstage", "dealtype", "hs_analytics_source", "hs_forecast_category",
        "hs_lastmodifieddate", "hs_merged_object_ids", "hs_object_id", "hubspot_owner_id",
        "pipeline",
    )  # fmt: skip
    defaults = (
        "amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate",
        "hs_object_id", "pipeline",
    )  # fmt: skip
    associable = ("contacts", "companies", "calls", "emails", "meetings", "tasks")

    def all_ids(self) -> np.ndarray:
        return self.w.d["id"]

    def all_created(self) -> np.ndarray:
        return self.w.d["created_ms"]

    def all_archived(self) -> np.ndarray:
        return self.w.d["archived_ms"]

    def owner_rows(self, rows):
        return state.deal_state(self.w, rows, self.clock)["owner_idx"]

    def modified(self, rows):
        return state.deal_state(self.w, rows, self.clock)["last_modified_ms"]

    def vector(self, prop: str) -> np.ndarray | None:
        if prop == "dealstage":
            key = "dealstage"
            if key not in self._cache:
                st = state.deal_state(self.w, self.listed(False), self.clock)
                self._cache[key] = np.asarray(STAGE_IDS, dtype=object)[st["stage_idx"]]
            return self._cache[key]
        return super().vector(prop)

    def page(self, rows: np.ndarray) -> list[dict]:
        w, d = self.w, self.w.d
        st = state.deal_state(w, rows, self.clock)
        deal_names = names.deal_names(w, rows)
        out = []
        for k, row in enumerate(rows):
            row = int(row)
            t = int(st["t"][k])
            merged = state.merged_away(w, row, t)
            values = {
                "amount": money(st["amount"][k]),
                "closed_lost_reason": (
                    CLOSED_LOST_REASONS[st["lost_reason_idx"][k]]
                    if st["lost_reason_idx"][k] >= 0
                    else None
                ),
                "closedate": iso_ms(st["close_date_ms"][k]),
                "createdate": iso_ms(d["created_ms"][row]),
                "deal_currency_code": CURRENCIES[d["currency_idx"][row]],
                "dealname": deal_names[k],
                "dealstage": STAGE_IDS[st["stage_idx"][k]],
                "dealtype": (
                    "existingbusiness" if w.deal_is_existing_business[row] else "newbusiness"
                ),
                "hs_analytics_source": LEAD_SOURCES[d["source_idx"][row]],
                "hs_forecast_category": FORECAST_CATEGORIES[st["forecast_category_idx"][k]],
                "hs_lastmodifieddate": iso_ms(st["last_modified_ms"][k]),
                "hs_merged_object_ids": ";".join(str(d["id"][r]) for _, r in merged) or None,
                "hs_object_id": str(d["id"][row]),
                "hubspot_owner_id": str(w.o["id_num"][st["owner_idx"][k]]),
                "pipeline": PIPELINE_ID,
            }
            out.append(
                {
                    "row": row,
                    "values": values,
                    "modified": int(st["last_modified_ms"][k]),
                    "archived_ms": int(st["archived_ms"][k]),
                    "t": t,
                }
            )
        return out

    def history(self, row: int, prop: str, current: dict) -> list[Change]:
        w, d = self.w, self.w.d
        t = current["t"]
        if prop == "dealstage":
            return [(ts, STAGE_IDS[k]) for ts, k in state.stage_changes(w, row, t)]
        if prop == "closedate":
            return [(ts, iso_ms(v)) for ts, v in state.closedate_changes(w, row, t)]
        if prop == "amount":
            return [(ts, money(v)) for ts, v in state.amount_changes(w, row, t)]
        if prop == "hubspot_owner_id":
            return [(ts, str(w.o["id_num"][v])) for ts, v in state.owner_changes(w, row, t)]
        if prop == "hs_forecast_category":
            changes = state.forecast_category_changes(w, row, t)
            return [(ts, FORECAST_CATEGORIES[v]) for ts, v in changes]
        if prop == "closed_lost_reason":
            value = current["values"][prop]
            return [(int(d["closed_ms"][row]), value)] if value is not None else []
        if prop == "hs_merged_object_ids":
            merged = state.merged_away(w, row, t)
            return [
                (when, ";".join(str(d["id"][r]) for _, r in merged[: i + 1]))
                for i, (when, _) in enumerate(merged)
            ]
        if prop == "hs_lastmodifieddate":
            return [(current["modified"], current["values"][prop])]
        return [(int(d["created_ms"][row]), current["values"].get(prop))]

    def associations(self, row: int, to: str) -> list[int]:
        w, d = self.w, self.w.d
        if to == "contacts":
            contact = int(d["contact_idx"][row])
            return [int(w.contact_ids[contact])] if contact >= 0 else []
        if to == "companies":
            partner = int(d["partner_company_idx"][row])
            companies = [int(d["company_idx"][row])] + ([partner] if partner >= 0 else [])
            return [int(w.company_ids[c]) for c in companies]
        kind = ("calls", "emails", "meetings", "tasks").index(to)
        members = _visible_members(w.reverse("e", "deal_idx", row), w.e["created_ms"], self.clock)
        members = members[w.e["kind"][members] == kind]
        return [int(i) for i in w.e["id"][members]]

    def is_primary(self, row: int, to: str, target: int) -> bool:
        return to == "companies" and target == int(self.w.company_ids[self.w.d["company_idx"][row]])


class Contacts(ObjectType):
    name, singular, type_id = "contacts", "contact", "0-1"
    modified_prop = "lastmodifieddate"
    properties = (
        "associatedcompanyid", "company", "createdate", "email", "firstname",
        "hs_analytics_source", "hs_analytics_source_data_1", "hs_lead_status",
        "hs_lifecyclestage_customer_date", "hs_lifecyclestage_lead_date",
        "hs_lifecyclestage_marketingqualifiedlead_date", "hs_lifecyclestage_opportunity_date",
        "hs_lifecyclestage_salesqualifiedlead_date", "hs_object_id", "hs_object_source",
        "hubspot_owner_id", "jobtitle", "lastmodifieddate", "lastname", "lifecyclestage",
    )  # fmt: skip
    defaults = ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname")
    associable = ("companies", "deals", "calls", "emails", "meetings", "tasks")

    def all_ids(self):
        return self.w.contact_ids

    def all_created(self):
        return self.w.c["created_ms"]

    def owner_rows(self, rows):
        return self.w.c["owner_idx"][rows]

    def modified(self, rows):
        return state.contact_state(self.w, rows, self.clock)["last_modified_ms"]

    def page(self, rows: np.ndarray) -> list[dict]:
        w, c = self.w, self.w.c
        st = state.contact_state(w, rows, self.clock)
        first, last = names.contact_names(w, rows)
        emails = names.contact_emails(w, rows)
        companies = names.company_names(c["company_idx"][rows])
        out = []
        for k, row in enumerate(rows):
            row = int(row)
            modified = int(st["last_modified_ms"][k])
            opp, cust = int(st["converted_ms"][k]), int(st["customer_ms"][k])
            kind = int(c["kind"][row])
            source = LEAD_SOURCES[c["source_idx"][row]]
            object_source = OBJECT_SOURCES[kind]
            if kind == INBOUND_LEAD and source == "OFFLINE":
                object_source = "IMPORT"  # a trade-show list, imported
            values = {
                "associatedcompanyid": str(w.company_ids[c["company_idx"][row]]),
                "company": companies[k],
                "createdate": iso_ms(c["created_ms"][row]),
                "email": emails[k],
                "firstname": first[k],
                "hs_analytics_source": source,
                # Offline sources say how the contact came in; online ones name a site, not kept.
                "hs_analytics_source_data_1": object_source if source == "OFFLINE" else None,
                "hs_lead_status": state.LEAD_STATUSES[st["lead_status"][k]],
                "hs_lifecyclestage_customer_date": iso_ms(cust) if cust >= 0 else None,
                "hs_lifecyclestage_lead_date": (
                    None if kind == EXISTING_CUSTOMER else iso_ms(c["created_ms"][row])
                ),
                "hs_lifecyclestage_marketingqualifiedlead_date": None,
                "hs_lifecyclestage_opportunity_date": iso_ms(opp) if opp >= 0 else None,
                "hs_lifecyclestage_salesqualifiedlead_date": None,
                "hs_object_id": str(w.contact_ids[row]),
                "hs_object_source": object_source,
                "hubspot_owner_id": str(w.o["id_num"][c["owner_idx"][row]]),
                "jobtitle": JOB_TITLES[c["title_idx"][row]],
                "lastmodifieddate": iso_ms(modified),
                "lastname": last[k],
                "lifecyclestage": state.LIFECYCLE_STAGES[st["lifecycle"][k]],
            }
            out.append({"row": row, "values": values, "modified": modified, "archived_ms": -1})
        return out

    def history(self, row: int, prop: str, current: dict) -> list[Change]:
        c = self.w.c
        created = int(c["created_ms"][row])
        values = current["values"]
        if prop == "lifecyclestage" and c["kind"][row] == EXISTING_CUSTOMER:
            return [(created, "customer")]
        if prop == "hs_lead_status" and c["kind"][row] == EXISTING_CUSTOMER:
            status = values["hs_lead_status"]
            return [(created, status)] if status else []
        if prop == "lifecyclestage":
            changes = [(created, "lead")]
            if values["hs_lifecyclestage_opportunity_date"]:
                changes.append((int(c["converted_ms"][row]), "opportunity"))
            if values["hs_lifecyclestage_customer_date"]:
                deal = int(self.w.lead_deal[row])
                changes.append((int(self.w.d["closed_ms"][deal]), "customer"))
            return changes
        if prop == "hs_lead_status":
            events = [
                (created, "NEW"),
                (int(c["response_ms"][row]), "ATTEMPTED_TO_CONNECT"),
                (int(c["connected_ms"][row]), "CONNECTED"),
                (int(c["converted_ms"][row]), "OPEN_DEAL"),
                (int(c["unqualified_ms"][row]), "UNQUALIFIED"),
            ]
            return sorted((ts, v) for ts, v in events if 0 <= ts <= self.clock)
        if prop == "lastmodifieddate":
            return [(current["modified"], values[prop])]
        return [(created, values.get(prop))]

    def associations(self, row: int, to: str) -> list[int]:
        w = self.w
        if to == "companies":
            return [int(w.company_ids[w.c["company_idx"][row]])]
        if to == "deals":
            deal = int(w.lead_deal[row])
            return (
                [int(w.d["id"][deal])]
                if deal >= 0 and w.c["converted_ms"][row] <= self.clock
                else []
            )
        kind = ("calls", "emails", "meetings", "tasks").index(to)
        members = _visible_members(
            w.reverse("e", "contact_idx", row), w.e["created_ms"], self.clock
        )
        members = members[w.e["kind"][members] == kind]
        return [int(i) for i in w.e["id"][members]]

    def is_primary(self, row: int, to: str, target: int) -> bool:
        return to == "companies"  # a contact has one company, its primary


class Companies(ObjectType):
    name, singular, type_id = "companies", "company", "0-2"
    properties = (
        "country", "createdate", "domain", "hs_lastmodifieddate", "hs_object_id",
        "hubspot_owner_id", "industry", "lifecyclestage", "name", "numberofemployees", "segment",
    )  # fmt: skip
    defaults = ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name")
    associable = ("contacts", "deals", "calls", "emails", "meetings", "tasks")

    def all_ids(self):
        return self.w.company_ids

    def all_created(self):
        return self.w.a["created_ms"]

    def owner_rows(self, rows):
        return self.w.a["owner_idx"][rows]

    def modified(self, rows):
        return state.company_state(self.w, rows, self.clock)["last_modified_ms"]

    def page(self, rows: np.ndarray) -> list[dict]:
        w, a = self.w, self.w.a
        st = state.company_state(w, rows, self.clock)
        company_names = names.company_names(rows)
        domains = names.company_domains(rows)
        out = []
        for k, row in enumerate(rows):
            row = int(row)
            modified = int(st["last_modified_ms"][k])
            values = {
                "country": COUNTRIES[a["country_idx"][row]],
                "createdate": iso_ms(a["created_ms"][row]),
                "domain": domains[k],
                "hs_lastmodifieddate": iso_ms(modified),
                "hs_object_id": str(w.company_ids[row]),
                "hubspot_owner_id": str(w.o["id_num"][a["owner_idx"][row]]),
                "industry": INDUSTRIES[a["industry_idx"][row]],
                "lifecyclestage": state.LIFECYCLE_STAGES[st["lifecycle"][k]],
                "name": company_names[k],
                "numberofemployees": str(st["employees"][k]),
                "segment": SEGMENTS[a["segment_idx"][row]],
            }
            out.append({"row": row, "values": values, "modified": modified, "archived_ms": -1})
        return out

    def history(self, row: int, prop: str, current: dict) -> list[Change]:
        a = self.w.a
        created = int(a["created_ms"][row])
        if prop == "lifecyclestage":
            first_deal, first_won, _ = self.w.company_firsts
            changes = [(created, "lead")]
            for when, value in ((first_deal[row], "opportunity"), (first_won[row], "customer")):
                if 0 <= when <= self.clock:
                    changes.append((int(when), value))
            return changes
        if prop == "numberofemployees":
            changes = [(created, str(a["employees_initial"][row]))]
            if 0 <= a["refreshed_ms"][row] <= self.clock:
                changes.append((int(a["refreshed_ms"][row]), str(a["employees_refreshed"][row])))
            return changes
        if prop == "hs_lastmodifieddate":
            return [(current["modified"], current["values"][prop])]
        return [(created, current["values"].get(prop))]

    def associations(self, row: int, to: str) -> list[int]:
        w = self.w
        if to == "contacts":
            members = _visible_members(
                w.reverse("c", "company_idx", row), w.c["created_ms"], self.clock
            )
            return [int(i) for i in w.contact_ids[members]]
        if to == "deals":
            primary = w.reverse("d", "company_idx", row)
            partner = w.reverse("d", "partner_company_idx", row)
            members = _visible_members(np.union1d(primary, partner), w.d["created_ms"], self.clock)
            gone = w.d["archived_ms"][members]
            members = members[(gone < 0) | (gone > self.clock)]
            return [int(i) for i in w.d["id"][members]]
        kind = ("calls", "emails", "meetings", "tasks").index(to)
        members = _visible_members(
            w.reverse("e", "company_idx", row), w.e["created_ms"], self.clock
        )
        members = members[w.e["kind"][members] == kind]
        return [int(i) for i in w.e["id"][members]]

    def is_primary(self, row: int, to: str, target: int) -> bool:
        w = self.w
        if to == "contacts":
            return True  # every contact of a company has it as its only (primary) company
        if to == "deals":
            deal = int(np.searchsorted(w.d["id"], target))
            return int(w.d["company_idx"][deal]) == row
        return False


class Engagements(ObjectType):
    """Calls, emails, meetings or tasks: `kind` picks one."""

    kind: int
    created_prop = "hs_createdate"
    defaults = ("hs_createdate", "hs_lastmodifieddate", "hs_object_id")
    common = (
        "hs_createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
        "hs_timestamp",
        "hubspot_owner_id",
    )
    associable = ("contacts", "companies", "deals")
    extra: tuple[str, ...] = ()
    status_prop: str | None = None

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.properties = tuple(sorted(cls.common + cls.extra))

    def __init__(self, company: Company) -> None:
        super().__init__(company)
        self.rows_of_kind = self.w.activity_kind_rows[self.kind]

    # Rows here are positions in rows_of_kind; the timeline row is rows_of_kind[pos].
    def all_ids(self):
        key = "ids"
        if key not in self._cache:
            self._cache[key] = self.w.e["id"][self.rows_of_kind]
        return self._cache[key]

    def all_created(self):
        key = "created"
        if key not in self._cache:
            self._cache[key] = self.w.e["created_ms"][self.rows_of_kind]
        return self._cache[key]

    def owner_rows(self, rows):
        return self.w.e["owner_idx"][self.rows_of_kind[rows]]

    def modified(self, rows):
        return state.activity_state(self.w, self.rows_of_kind[rows], self.clock)["last_modified_ms"]

    def page(self, rows: np.ndarray) -> list[dict]:
        w, e = self.w, self.w.e
        timeline = self.rows_of_kind[rows]
        st = state.activity_state(w, timeline, self.clock)
        out = []
        for k, row in enumerate(timeline):
            row = int(row)
            modified = int(st["last_modified_ms"][k])
            values = {
                "hs_createdate": iso_ms(e["created_ms"][row]),
                "hs_lastmodifieddate": iso_ms(modified),
                "hs_object_id": str(e["id"][row]),
                "hs_timestamp": iso_ms(e["ts_ms"][row]),
                "hubspot_owner_id": str(w.o["id_num"][e["owner_idx"][row]]),
            }
            values |= self.specific(row, int(st["status"][k]))
            out.append(
                {"row": int(rows[k]), "values": values, "modified": modified, "archived_ms": -1}
            )
        return out

    def specific(self, row: int, status: int) -> dict[str, Value]:
        raise NotImplementedError

    def subject(self, row: int) -> str:
        return SUBJECTS[self.kind][self.w.e["subject_idx"][row]]

    def history(self, row: int, prop: str, current: dict) -> list[Change]:
        e = self.w.e
        timeline = int(self.rows_of_kind[row])
        created = int(e["created_ms"][timeline])
        if prop == self.status_prop:
            changes = [(created, self.specific(timeline, int(e["status_initial"][timeline]))[prop])]
            if 0 <= e["status_ms"][timeline] <= self.clock:
                final = self.specific(timeline, int(e["status_final"][timeline]))[prop]
                changes.append((int(e["status_ms"][timeline]), final))
            return changes
        if prop == "hs_lastmodifieddate":
            return [(current["modified"], current["values"][prop])]
        return [(created, current["values"].get(prop))]

    def associations(self, row: int, to: str) -> list[int]:
        w, e = self.w, self.w.e
        timeline = int(self.rows_of_kind[row])
        if to == "contacts":
            contact = int(e["contact_idx"][timeline])
            return [int(w.contact_ids[contact])] if contact >= 0 else []
        if to == "companies":
            company = int(e["company_idx"][timeline])
            return [int(w.company_ids[company])] if company >= 0 else []
        deal = int(e["deal_idx"][timeline])
        return [int(w.d["id"][deal])] if deal >= 0 else []

    def created_ms(self, row: int) -> int:
        return int(self.all_created()[row])


class Calls(Engagements):
    name, singular, type_id, kind = "calls", "call", "0-48", CALL
    extra = ("hs_call_direction", "hs_call_duration", "hs_call_status", "hs_call_title")

    def specific(self, row, status):
        e = self.w.e
        return {
            "hs_call_direction": "INBOUND" if e["direction"][row] == INBOUND else "OUTBOUND",
            "hs_call_duration": str(e["duration_ms"][row]),
            "hs_call_status": "COMPLETED",
            "hs_call_title": self.subject(row),
        }


class Emails(Engagements):
    name, singular, type_id, kind = "emails", "email", "0-49", EMAIL
    extra = ("hs_email_direction", "hs_email_status", "hs_email_subject")

    def specific(self, row, status):
        inbound = self.w.e["direction"][row] == INBOUND
        return {
            "hs_email_direction": "INCOMING_EMAIL" if inbound else "EMAIL",
            "hs_email_status": "SENT",
            "hs_email_subject": self.subject(row),
        }


class Meetings(Engagements):
    name, singular, type_id, kind = "meetings", "meeting", "0-47", MEETING
    extra = (
        "hs_meeting_end_time",
        "hs_meeting_outcome",
        "hs_meeting_source",
        "hs_meeting_start_time",
        "hs_meeting_title",
    )
    status_prop = "hs_meeting_outcome"

    def specific(self, row, status):
        e = self.w.e
        start = int(e["ts_ms"][row])
        return {
            "hs_meeting_end_time": iso_ms(start + int(e["duration_ms"][row])),
            "hs_meeting_outcome": MEETING_OUTCOMES[status],
            "hs_meeting_source": MEETING_SOURCES[e["booked_by"][row]],
            "hs_meeting_start_time": iso_ms(start),
            "hs_meeting_title": self.subject(row),
        }


class Tasks(Engagements):
    name, singular, type_id, kind = "tasks", "task", "0-27", TASK
    extra = (
        "hs_task_completion_date", "hs_task_priority", "hs_task_status", "hs_task_subject",
        "hs_task_type",
    )  # fmt: skip
    status_prop = "hs_task_status"

    def specific(self, row, status):
        e = self.w.e
        done = int(e["status_ms"][row])
        completed = status == 1 and 0 <= done <= self.clock
        return {
            "hs_task_completion_date": iso_ms(done) if completed else None,
            "hs_task_priority": ("LOW", "MEDIUM", "HIGH")[e["subject_idx"][row] % 3],
            "hs_task_status": TASK_STATUSES[min(status, 1)],
            "hs_task_subject": self.subject(row),
            "hs_task_type": TASK_TYPES[e["task_type_idx"][row]],
        }


OBJECT_TYPES: dict[str, Callable[[Company], ObjectType]] = {
    cls.name: cls for cls in (Deals, Contacts, Companies, Calls, Emails, Meetings, Tasks)
}
TYPE_ALIASES = {
    cls.type_id: cls.name for cls in (Deals, Contacts, Companies, Calls, Emails, Meetings, Tasks)
}
TYPE_ALIASES |= {
    cls.singular: cls.name for cls in (Deals, Contacts, Companies, Calls, Emails, Meetings, Tasks)
}


def resolve_type(name: str) -> str | None:
    name = name.lower()
    if name in OBJECT_TYPES:
        return name
    return TYPE_ALIASES.get(name)


__all__ = ["OBJECT_TYPES", "WON", "ObjectType", "money", "resolve_type"]
