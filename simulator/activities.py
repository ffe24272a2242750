"""Calls, emails, meetings and tasks (HubSpot engagements), logged against leads and deals.

Per lead: the rep's first response (an outbound call or email, or a meeting the rep books: the
booking is the response, the meeting itself takes place days later) when there is one; for some
leads an inbound email before it (which is not a response), a meeting the prospect books through
the rep's scheduling page (hs_meeting_source MEETINGS_PUBLIC: not a rep response either), and a
follow-up task created with the lead (a task is never a response); a few follow-ups after the
response. Per deal: a number of activities proportional to its engagement and length, calibrated
to the scale's target. Meetings booked ahead change outcome when they end; tasks get completed
after creation: both are modifications that a clock advance reveals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.timeutil import MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND

CALL, EMAIL, MEETING, TASK = 0, 1, 2, 3
KIND_NAMES = ("call", "email", "meeting", "task")
OBJECT_TYPES = ("calls", "emails", "meetings", "tasks")
NONE, OUTBOUND, INBOUND = 0, 1, 2
# Status codes per kind: meetings use MEETING_OUTCOMES, tasks TASK_STATUSES, calls and emails
# are always COMPLETED / SENT (or RECEIVED... HubSpot keeps SENT for logged inbound emails).
MEETING_OUTCOMES = ("SCHEDULED", "COMPLETED", "NO_SHOW", "CANCELED", "RESCHEDULED")
TASK_STATUSES = ("NOT_STARTED", "COMPLETED")
TASK_TYPES = ("TODO", "CALL", "EMAIL")
SUBJECTS = (
    ("Intro call", "Discovery call", "Follow-up call", "Pricing call", "Check-in call"),
    ("Thanks for your interest", "Following up", "Proposal attached", "Next steps", "Quick question"),
    ("Discovery meeting", "Product demo", "Technical deep dive", "Commercial review", "Kick-off"),
    ("Follow up with new lead", "Send proposal", "Prepare demo", "Update close date", "Chase contract"),
)  # fmt: skip
PURPOSES = (
    "first_response",
    "lead_inbound",
    "lead_task",
    "lead_follow_up",
    "deal",
    "prospect_booked",
)
# Who booked a meeting, as HubSpot's hs_meeting_source says it: the rep in the CRM, or the
# prospect on the rep's scheduling page.
BOOKED_BY_REP, BOOKED_BY_PROSPECT = 0, 1
MEETING_SOURCES = ("CRM_UI", "MEETINGS_PUBLIC")
PROSPECT_BOOKING_SHARE = 0.08


def _block(**columns: np.ndarray) -> dict[str, np.ndarray]:
    n = len(next(iter(columns.values())))
    full = {
        "kind": np.zeros(n, np.int8),
        "direction": np.zeros(n, np.int8),
        "purpose": np.zeros(n, np.int8),
        "ts_ms": np.zeros(n, np.int64),
        "created_ms": np.zeros(n, np.int64),
        "status_initial": np.zeros(n, np.int8),
        "status_final": np.zeros(n, np.int8),
        "status_ms": np.full(n, -1, np.int64),
        "duration_ms": np.zeros(n, np.int32),
        "owner_idx": np.zeros(n, np.int32),
        "contact_idx": np.full(n, -1, np.int32),
        "deal_idx": np.full(n, -1, np.int32),
        "company_idx": np.full(n, -1, np.int32),
        "booked_by": np.zeros(n, np.int8),
    }
    for name, values in columns.items():
        full[name] = np.asarray(values).astype(full[name].dtype, copy=False)
    return full


def _call_or_email_times(rng, kind, ts):
    """(created_ms, duration_ms) for logged calls and emails: calls are logged after they end."""
    n = ts.size
    duration = np.where(
        kind == CALL, (rng.lognormal(np.log(240.0), 0.8, n) * MS_PER_SECOND).astype(np.int64), 0
    )
    lag = np.where(
        kind == CALL, rng.integers(0, 5 * MS_PER_MINUTE, n), rng.integers(0, 3 * MS_PER_SECOND, n)
    )
    return ts + duration + lag, duration


def _meeting_duration(rng, n):
    return rng.choice([30, 45, 60], size=n) * MS_PER_MINUTE


def _meeting_start(rng, booked: np.ndarray) -> np.ndarray:
    """The start of a meeting booked at `booked`: one to seven days later, on the hour between
    09:00 and 16:00 UTC."""
    day = booked // MS_PER_DAY + rng.integers(1, 8, booked.size)
    return day * MS_PER_DAY + rng.integers(9, 17, booked.size) * MS_PER_HOUR


def generate_activities(
    rng: np.random.Generator,
    booking_rng: np.random.Generator,
    owners: pd.DataFrame,
    leads: pd.DataFrame,
    deals: pd.DataFrame,
    target: int,
    as_of_end_ms: int,
    horizon_end_ms: int,
) -> pd.DataFrame:
    """All activities of the timeline in creation (logging) order, with their associations.
    booking_rng draws what meeting bookings add (their lead times, the prospects' bookings), so
    that `rng` draws the rest as it always has."""
    blocks = []
    n_leads = len(leads)
    lead_idx = np.arange(n_leads)
    created = leads["created_ms"].to_numpy()
    response = leads["response_ms"].to_numpy()
    lead_owner = leads["owner_idx"].to_numpy()
    lead_company = leads["company_idx"].to_numpy()
    answered = response >= 0

    # First responses: outbound call, email or meeting by the lead's owner.
    rows = lead_idx[answered]
    kind = rng.choice([CALL, EMAIL, MEETING], size=rows.size, p=[0.5, 0.42, 0.08])
    ts = response[rows]
    logged, duration = _call_or_email_times(rng, kind, ts)
    meet = kind == MEETING
    duration = np.where(meet, _meeting_duration(rng, rows.size), duration)
    rng.integers(MS_PER_MINUTE, 30 * MS_PER_MINUTE, rows.size)  # keeps the stream's later draws
    # A meeting response is booked at the response time and takes place days later.
    starts = _meeting_start(booking_rng, ts)
    logged = np.where(meet, ts, logged)
    ts = np.where(meet, starts, ts)
    blocks.append(
        _block(
            kind=kind, direction=np.full(rows.size, OUTBOUND), purpose=np.full(rows.size, 0),
            ts_ms=ts, created_ms=logged, duration_ms=duration, owner_idx=lead_owner[rows],
            contact_idx=rows, company_idx=lead_company[rows],
            status_initial=np.zeros(rows.size), status_final=np.where(meet, 1, 0),
            status_ms=np.where(meet, ts + duration, -1),
        )
    )  # fmt: skip

    # Meetings the prospect books on the rep's scheduling page minutes after arriving.
    inbound = lead_idx[leads["kind"].to_numpy() == 0]
    rows = inbound[booking_rng.random(inbound.size) < PROSPECT_BOOKING_SHARE]
    booked = created[rows] + booking_rng.integers(2 * MS_PER_MINUTE, 30 * MS_PER_MINUTE, rows.size)
    starts = _meeting_start(booking_rng, booked)
    duration = _meeting_duration(booking_rng, rows.size)
    blocks.append(
        _block(
            kind=np.full(rows.size, MEETING), direction=np.full(rows.size, INBOUND),
            purpose=np.full(rows.size, 5), ts_ms=starts,
            created_ms=booked, duration_ms=duration, owner_idx=lead_owner[rows],
            contact_idx=rows, company_idx=lead_company[rows],
            status_initial=np.zeros(rows.size), status_final=np.ones(rows.size),
            status_ms=starts + duration, booked_by=np.full(rows.size, BOOKED_BY_PROSPECT),
        )
    )  # fmt: skip

    # Inbound emails from some leads before any response (or instead of one).
    rows = lead_idx[rng.random(n_leads) < 0.1]
    wait = np.where(answered[rows], response[rows] - created[rows], 3 * MS_PER_DAY)
    ts = created[rows] + (rng.uniform(0.1, 0.9, rows.size) * wait).astype(np.int64) + 1
    blocks.append(
        _block(
            kind=np.full(rows.size, EMAIL), direction=np.full(rows.size, INBOUND),
            purpose=np.full(rows.size, 1), ts_ms=ts,
            created_ms=ts + rng.integers(0, 60 * MS_PER_SECOND, rows.size),
            owner_idx=lead_owner[rows], contact_idx=rows, company_idx=lead_company[rows],
        )
    )  # fmt: skip

    # A follow-up task created with 25% of leads, due a day later, done at the first response.
    rows = lead_idx[rng.random(n_leads) < 0.25]
    task_created = created[rows] + rng.integers(MS_PER_MINUTE, 5 * MS_PER_MINUTE, rows.size)
    done = np.where(answered[rows], np.maximum(response[rows], task_created) + MS_PER_MINUTE, -1)
    blocks.append(
        _block(
            kind=np.full(rows.size, TASK), purpose=np.full(rows.size, 2),
            ts_ms=task_created + MS_PER_DAY, created_ms=task_created,
            status_initial=np.zeros(rows.size), status_final=np.where(done >= 0, 1, 0),
            status_ms=done, owner_idx=lead_owner[rows], contact_idx=rows,
            company_idx=lead_company[rows],
        )
    )  # fmt: skip

    # Follow-ups on answered leads over the next weeks, before conversion or the owner leaving.
    left = owners["left_ms"].to_numpy()
    left_or_never = np.where(left >= 0, left, np.iinfo(np.int64).max)
    converted = leads["converted_ms"].to_numpy()
    answered_rows = lead_idx[answered]
    counts = rng.poisson(0.5, answered_rows.size)
    rows = np.repeat(answered_rows, counts)
    until = np.minimum(
        response[rows] + 30 * MS_PER_DAY,
        np.where(converted[rows] >= 0, converted[rows], np.iinfo(np.int64).max),
    )
    until = np.minimum(until, left_or_never[lead_owner[rows]] - MS_PER_HOUR)
    ts = (
        response[rows]
        + MS_PER_HOUR
        + (rng.random(rows.size) * (until - response[rows] - MS_PER_HOUR)).astype(np.int64)
    )
    keep = ts > response[rows]
    rows, ts = rows[keep], ts[keep]
    kind = rng.choice([CALL, EMAIL], size=rows.size)
    direction = np.where(rng.random(rows.size) < 0.7, OUTBOUND, INBOUND)
    logged, duration = _call_or_email_times(rng, kind, ts)
    blocks.append(
        _block(
            kind=kind, direction=direction, purpose=np.full(rows.size, 3), ts_ms=ts,
            created_ms=logged, duration_ms=duration, owner_idx=lead_owner[rows],
            contact_idx=rows, company_idx=lead_company[rows],
        )
    )  # fmt: skip

    lead_count = sum(int((b["created_ms"] <= as_of_end_ms).sum()) for b in blocks)
    blocks.append(
        _deal_activities(
            rng, owners, deals, max(target - lead_count, 0), as_of_end_ms, horizon_end_ms
        )
    )

    # Assemble column by column, releasing each block's copy as we go (this is the largest
    # table: keep the peak memory near one copy of it).
    names = list(blocks[0])
    created = np.concatenate([b.pop("created_ms") for b in blocks])
    keep = created <= horizon_end_ms
    order = np.flatnonzero(keep)[np.argsort(created[keep], kind="stable")]
    frame = pd.DataFrame({"created_ms": created[order]})
    del created
    for name in names:
        if name == "created_ms":
            continue
        column = np.concatenate([b.pop(name) for b in blocks])
        frame[name] = column[order]
        del column
    frame = frame[names]
    frame["subject_idx"] = rng.integers(0, 5, len(frame)).astype(np.int8)
    frame["task_type_idx"] = rng.integers(0, len(TASK_TYPES), len(frame)).astype(np.int8)
    ids = 40_000_000_000 + np.cumsum(rng.integers(1, 50, len(frame)))
    frame.insert(0, "id", ids.astype(np.int64))
    return frame


def _deal_activities(rng, owners, deals, target, as_of_end_ms, horizon_end_ms):
    real = np.flatnonzero(deals["kind"].to_numpy() == 0)
    start = deals["created_ms"].to_numpy()[real]
    closed = deals["closed_ms"].to_numpy()[real]
    end = np.where(closed >= 0, closed, np.minimum(start + 180 * MS_PER_DAY, horizon_end_ms))
    owner = deals["owner_idx"].to_numpy()[real]
    weight = (
        deals["engagement"].to_numpy()[real]
        * owners["activity_rate"].to_numpy()[owner]
        * np.maximum(end - start, MS_PER_HOUR)
        / MS_PER_DAY
    )
    # Calibrate on what is logged by as-of: the part of each deal's life before it.
    seen = np.clip((as_of_end_ms - start) / np.maximum(end - start, 1), 0.0, 1.0)
    k = target / max(float((weight * seen).sum()), 1e-9)
    counts = rng.poisson(k * weight)
    pick = np.repeat(np.arange(real.size), counts)
    m = pick.size
    ts = start[pick] + (rng.random(m) * (end[pick] - start[pick])).astype(np.int64)
    kind = rng.choice([CALL, EMAIL, MEETING, TASK], size=m, p=[0.35, 0.4, 0.15, 0.1])
    direction = np.where(
        kind == CALL,
        np.where(rng.random(m) < 0.8, OUTBOUND, INBOUND),
        np.where(kind == EMAIL, np.where(rng.random(m) < 0.7, OUTBOUND, INBOUND), NONE),
    )
    logged, duration = _call_or_email_times(rng, kind, ts)
    # Meetings are booked ahead and get their outcome when they end.
    meet = kind == MEETING
    booked = np.maximum(ts - rng.integers(MS_PER_HOUR, 14 * MS_PER_DAY, m), start[pick])
    duration = np.where(meet, _meeting_duration(rng, m), duration)
    outcome = rng.choice([1, 2, 3, 4], size=m, p=[0.85, 0.07, 0.05, 0.03])
    # Tasks are created ahead of their due date and mostly completed around it.
    task = kind == TASK
    task_created = np.maximum(ts - rng.integers(MS_PER_DAY, 10 * MS_PER_DAY, m), start[pick])
    completes = rng.random(m) < 0.8
    completed = np.maximum(
        ts + (rng.normal(0.5, 2.0, m) * MS_PER_DAY).astype(np.int64),
        task_created + 10 * MS_PER_MINUTE,
    )
    created = np.where(meet, booked, np.where(task, task_created, logged))
    status_initial = np.zeros(m, np.int8)
    status_final = np.where(meet, outcome, np.where(task & completes, 1, 0))
    status_ms = np.where(meet, ts + duration, np.where(task & completes, completed, -1))
    deal_rows = real[pick]
    return _block(
        kind=kind, direction=direction, purpose=np.full(m, 4), ts_ms=ts, created_ms=created,
        status_initial=status_initial, status_final=status_final, status_ms=status_ms,
        duration_ms=duration, owner_idx=owner[pick],
        contact_idx=deals["contact_idx"].to_numpy()[deal_rows], deal_idx=deal_rows,
        company_idx=deals["company_idx"].to_numpy()[deal_rows],
    )  # fmt: skip
