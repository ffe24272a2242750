"""The timeline as seen at a clock: vectorised over any set of rows.

The HTTP API calls these for the rows of one page, the exports and the truth for every row, so
a page and a file always agree. `clock` is epoch ms; an archived record is seen as it was when
it was archived.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.contacts import EXISTING_CUSTOMER
from simulator.deal_history import STAGE_CATEGORY
from simulator.stages import LOST, OPEN_STAGES, WON
from simulator.world import World

NEW, ATTEMPTED, CONNECTED, OPEN_DEAL, UNQUALIFIED, IN_PROGRESS, NO_STATUS = range(7)
LEAD_STATUSES = (
    "NEW", "ATTEMPTED_TO_CONNECT", "CONNECTED", "OPEN_DEAL", "UNQUALIFIED", "IN_PROGRESS", None
)  # fmt: skip
LEAD, OPPORTUNITY, CUSTOMER = range(3)
LIFECYCLE_STAGES = ("lead", "opportunity", "customer")


def _at(values: np.ndarray, clock: np.ndarray | int) -> np.ndarray:
    """values where they happened by clock, else -1."""
    return np.where((values >= 0) & (values <= clock), values, -1)


def visible_count(created_sorted: np.ndarray, clock: int) -> int:
    """Records are stored in creation order: those created by clock are a prefix."""
    return int(np.searchsorted(created_sorted, clock, side="right"))


# --- owners -----------------------------------------------------------------------------------


def owner_state(world: World, clock: int) -> dict[str, np.ndarray]:
    """Owners hired by clock (a prefix): archived (left), left_ms (-1 if not yet), updated_ms."""
    o = world.o
    n = visible_count(o["hired_ms"], clock)
    left = _at(o["left_ms"][:n], clock)
    updated = np.maximum.reduce([o["created_ms"][:n], _at(o["touched_ms"][:n], clock), left])
    return {"rows": np.arange(n), "archived": left >= 0, "left_ms": left, "updated_ms": updated}


# --- deals ------------------------------------------------------------------------------------


def deal_rows(world: World, clock: int, archived: bool) -> np.ndarray:
    """Rows (creation order = id order) of the deals listed at clock, live or archived."""
    n = visible_count(world.d["created_ms"], clock)
    gone = world.d["archived_ms"][:n]
    is_archived = (gone >= 0) & (gone <= clock)
    return np.flatnonzero(is_archived if archived else ~is_archived)


def _slips_done(d: dict, rows: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Slips from close0 done by t (before any pull-in: n_slips counts those)."""
    close0, step = d["close0_ms"][rows], d["slip_step_ms"][rows]
    off, n_slips = d["slip_off_ms"][rows], d["n_slips"][rows]
    done = np.where(t >= close0 - off, (t - close0 + off) // step + 1, 0)
    return np.minimum(done, n_slips)


def _close_dates(d: dict, rows: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, ...]:
    """(expected close date, time it was last set or -1, slips done) of open deals at t: slips
    from close0 until a pull-in, then slips from the pulled-in date (deal_history.py)."""
    step, off = d["slip_step_ms"][rows], d["slip_off_ms"][rows]
    pre = _slips_done(d, rows, t)
    close0 = d["close0_ms"][rows]
    expected = close0 + pre * step
    last_set = np.where(pre > 0, close0 + (pre - 1) * step - off, -1)
    pull, to = d["pull_ms"][rows], d["pull_to_ms"][rows]
    pulled = (pull >= 0) & (pull <= t)
    post = np.where(pulled & (t >= to - off), (t - to + off) // step + 1, 0)
    post = np.minimum(post, d["n_slips_post"][rows])
    expected = np.where(pulled, to + post * step, expected)
    last_set = np.where(pulled, np.where(post > 0, to + (post - 1) * step - off, pull), last_set)
    return expected, last_set, pre + post


def owner_rows_at(d: dict, rows: np.ndarray, t: np.ndarray | int) -> np.ndarray:
    """The owner of each deal at t: its first owner until a reassignment (deal_history.py)."""
    change = d["owner_change_ms"][rows]
    moved = (change >= 0) & (change <= t)
    return np.where(moved, d["owner_new_idx"][rows], d["owner_idx"][rows]).astype(np.int64)


def deal_state(world: World, rows: np.ndarray, clock: int) -> dict[str, np.ndarray]:
    """Stage, closedate, amount, owner, forecast category, modification time... of deals
    (created by clock) at clock."""
    d = world.d
    rows = np.asarray(rows, dtype=np.int64)
    created = d["created_ms"][rows]
    archived_at = d["archived_ms"][rows]
    archived = (archived_at >= 0) & (archived_at <= clock)
    t = np.where(archived, archived_at, clock)  # an archived deal is frozen at its archiving

    entered = world.stage_entered[rows]
    seen = (entered >= 0) & (entered <= t[:, None])
    n_seen = seen.sum(axis=1)
    closed = d["closed_ms"][rows]
    is_closed = (closed >= 0) & (closed <= t)
    stage = np.where(is_closed, d["final_stage"][rows], n_seen - 1).astype(np.int8)

    expected, last_set, slips = _close_dates(d, rows, t)
    closedate = np.where(is_closed, closed, expected)
    revised_at = _at(d["revised_ms"][rows], t)
    scoped_at = _at(d["scope_ms"][rows], t)
    revised, scoped = revised_at >= 0, scoped_at >= 0
    amount = np.where(
        revised,
        d["amount_final"][rows],
        np.where(scoped, d["amount_scoped"][rows], d["amount_initial"][rows]),
    )
    usd = np.where(
        revised,
        d["usd_final"][rows],
        np.where(scoped, d["usd_scoped"][rows], d["usd_initial"][rows]),
    )
    owner_changed_at = _at(d["owner_change_ms"][rows], t)
    override_at = _at(d["category_override_ms"][rows], t)
    overriding = (override_at >= 0) & (t < d["category_override_end_ms"][rows])
    category = np.where(
        overriding, d["category_override"][rows], STAGE_CATEGORY[stage.astype(np.int64)]
    )
    lost_reason = np.where(is_closed & (stage == LOST), d["lost_reason_idx"][rows], -1)

    modified = np.maximum.reduce(
        [
            created,
            np.where(seen, entered, -1).max(axis=1),
            np.where(is_closed, closed, -1),
            np.where(is_closed, -1, last_set),
            revised_at,
            scoped_at,
            owner_changed_at,
            override_at,
            np.where(archived, archived_at, -1),
            _last_merge(world, rows, t),
        ]
    )
    return {
        "rows": rows,
        "archived": archived,
        "archived_ms": np.where(archived, archived_at, -1),
        "t": t,
        "stage_idx": stage,
        "n_entered": n_seen.astype(np.int8),
        "closed_ms": np.where(is_closed, closed, -1),
        "close_date_ms": closedate,
        "amount": amount,
        "usd": usd,
        "slips": slips,
        "owner_idx": owner_rows_at(d, rows, t),
        "forecast_category_idx": category.astype(np.int8),
        "lost_reason_idx": lost_reason.astype(np.int8),
        "last_modified_ms": modified,
    }


def _last_merge(world: World, rows: np.ndarray, t: np.ndarray) -> np.ndarray:
    survivor, when, _ = world.merges
    out = np.full(rows.size, -1, dtype=np.int64)
    hit = np.isin(survivor, rows)
    if not hit.any():
        return out
    order = np.argsort(rows, kind="stable")
    pos = order[np.searchsorted(rows, survivor[hit], sorter=order)]
    ok = when[hit] <= t[pos]
    np.maximum.at(out, pos[ok], when[hit][ok])
    return out


def merged_away(world: World, row: int, t: int) -> list[tuple[int, int]]:
    """(merge time, merged-away row) of the duplicates merged into `row` by t, oldest first."""
    survivor, when, dupes = world.merges
    lo, hi = np.searchsorted(survivor, row, "left"), np.searchsorted(survivor, row, "right")
    return [(int(w), int(r)) for w, r in zip(when[lo:hi], dupes[lo:hi], strict=True) if w <= t]


def stage_changes(world: World, row: int, t: int) -> list[tuple[int, int]]:
    """(time, stage index) of every dealstage value the deal had by t, oldest first."""
    entered = world.stage_entered[row]
    changes = [(int(entered[k]), k) for k in range(OPEN_STAGES) if 0 <= entered[k] <= t]
    closed = int(world.d["closed_ms"][row])
    if 0 <= closed <= t:
        changes.append((closed, int(world.d["final_stage"][row])))
    return changes


def closedate_changes(world: World, row: int, t: int) -> list[tuple[int, int]]:
    """(time set, closedate value) of every closedate the deal had by t, oldest first."""
    d = world.d
    close0, step, off = (int(d[k][row]) for k in ("close0_ms", "slip_step_ms", "slip_off_ms"))
    pre = int(_slips_done(d, np.array([row]), np.array([t]))[0])
    changes = [(int(d["created_ms"][row]), close0)]
    changes += [(close0 + (j - 1) * step - off, close0 + j * step) for j in range(1, pre + 1)]
    pull, to = int(d["pull_ms"][row]), int(d["pull_to_ms"][row])
    closed = int(d["closed_ms"][row])
    if 0 <= pull <= t:
        changes.append((pull, to))
        post = _close_dates(d, np.array([row]), np.array([t]))[2][0] - pre
        changes += [(to + (j - 1) * step - off, to + j * step) for j in range(1, int(post) + 1)]
    if 0 <= closed <= t:
        changes.append((closed, closed))
    return changes


def amount_changes(world: World, row: int, t: int) -> list[tuple[int, int]]:
    """(time, amount in the deal's currency, cents) of every amount the deal had by t."""
    d = world.d
    changes = [(int(d["created_ms"][row]), int(d["amount_initial"][row]))]
    if 0 <= d["scope_ms"][row] <= t:
        changes.append((int(d["scope_ms"][row]), int(d["amount_scoped"][row])))
    if 0 <= d["revised_ms"][row] <= t:
        changes.append((int(d["revised_ms"][row]), int(d["amount_final"][row])))
    return changes


def owner_changes(world: World, row: int, t: int) -> list[tuple[int, int]]:
    """(time, owner row) of every owner the deal had by t."""
    d = world.d
    changes = [(int(d["created_ms"][row]), int(d["owner_idx"][row]))]
    if 0 <= d["owner_change_ms"][row] <= t:
        changes.append((int(d["owner_change_ms"][row]), int(d["owner_new_idx"][row])))
    return changes


def forecast_category_changes(world: World, row: int, t: int) -> list[tuple[int, int]]:
    """(time, category index) of every change of the deal's forecast category by t: it follows
    the stage, except while a category set by hand holds (until the next stage change)."""
    d = world.d
    events = [(ts, int(STAGE_CATEGORY[k])) for ts, k in stage_changes(world, row, t)]
    override = int(d["category_override_ms"][row])
    if 0 <= override <= t:
        events.append((override, int(d["category_override"][row])))
        events.sort(key=lambda event: event[0])
    changes: list[tuple[int, int]] = []
    for ts, value in events:
        if not changes or changes[-1][1] != value:
            changes.append((ts, value))
    return changes


# --- contacts (leads) -------------------------------------------------------------------------


def contact_state(world: World, rows: np.ndarray, clock: int) -> dict[str, np.ndarray]:
    c, d = world.c, world.d
    rows = np.asarray(rows, dtype=np.int64)
    response = _at(c["response_ms"][rows], clock)
    connected = _at(c["connected_ms"][rows], clock)
    converted = _at(c["converted_ms"][rows], clock)
    unqualified = _at(c["unqualified_ms"][rows], clock)
    deal = world.lead_deal[rows]
    has_deal = deal >= 0
    deal_safe = np.maximum(deal, 0)
    won_at = np.where(
        has_deal & (d["final_stage"][deal_safe] == WON), d["closed_ms"][deal_safe], -1
    )
    customer = _at(won_at, clock)
    status = np.select(
        [converted >= 0, unqualified >= 0, connected >= 0, response >= 0],
        [OPEN_DEAL, UNQUALIFIED, CONNECTED, ATTEMPTED],
        NEW,
    ).astype(np.int8)
    lifecycle = np.select([customer >= 0, converted >= 0], [CUSTOMER, OPPORTUNITY], LEAD)
    # Existing customers are customers from their creation; some carry an upsell lead status.
    existing = c["kind"][rows] == EXISTING_CUSTOMER
    customer = np.where(existing, c["created_ms"][rows], customer)
    lifecycle = np.where(existing, CUSTOMER, lifecycle)
    status = np.where(existing, np.where(c["upsell_status"][rows], IN_PROGRESS, NO_STATUS), status)
    modified = np.maximum.reduce(
        [c["created_ms"][rows], response, connected, converted, unqualified, customer]
    )
    return {
        "rows": rows,
        "lead_status": status,
        "lifecycle": lifecycle.astype(np.int8),
        "converted_ms": converted,
        "customer_ms": customer,
        "deal_row": np.where(converted >= 0, deal, -1),
        "last_modified_ms": modified,
    }


# --- companies --------------------------------------------------------------------------------


def company_state(world: World, rows: np.ndarray, clock: int) -> dict[str, np.ndarray]:
    a = world.a
    rows = np.asarray(rows, dtype=np.int64)
    first_deal, first_won, _ = world.company_firsts
    opportunity = _at(first_deal[rows], clock)
    customer = _at(first_won[rows], clock)
    refreshed = _at(a["refreshed_ms"][rows], clock)
    lifecycle = np.select([customer >= 0, opportunity >= 0], [CUSTOMER, OPPORTUNITY], LEAD)
    employees = np.where(
        refreshed >= 0, a["employees_refreshed"][rows], a["employees_initial"][rows]
    )
    modified = np.maximum.reduce([a["created_ms"][rows], opportunity, customer, refreshed])
    return {
        "rows": rows,
        "lifecycle": lifecycle.astype(np.int8),
        "opportunity_ms": opportunity,
        "customer_ms": customer,
        "employees": employees,
        "last_modified_ms": modified,
    }


# --- activities -------------------------------------------------------------------------------


def activity_state(world: World, rows: np.ndarray, clock: int) -> dict[str, np.ndarray]:
    e = world.e
    rows = np.asarray(rows, dtype=np.int64)
    changed = _at(e["status_ms"][rows], clock)
    status = np.where(changed >= 0, e["status_final"][rows], e["status_initial"][rows])
    return {
        "rows": rows,
        "status": status.astype(np.int8),
        "status_ms": changed,
        "last_modified_ms": np.maximum(e["created_ms"][rows], changed),
    }


# --- deal property history, every deal at once ---------------------------------------------

HISTORY_PROPERTIES = ("amount", "closedate", "hubspot_owner_id", "hs_forecast_category")


def deal_history_events(world: World, rows: np.ndarray, clock: int) -> pd.DataFrame:
    """Every change of the deals' amount (cents of their currency), closedate (epoch ms), owner
    (owner row) and forecast category (index) by the clock (an archived deal's by its archiving):
    row, property, changed_ms, value; oldest first per deal and property. The same changes as
    amount_changes, closedate_changes, owner_changes and forecast_category_changes, vectorised
    for the exports and the truth."""
    d = world.d
    rows = np.asarray(rows, dtype=np.int64)
    st = deal_state(world, rows, clock)
    t = st["t"]
    parts: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]] = []

    def add(prop: str, keep: np.ndarray, at: np.ndarray, value: np.ndarray) -> None:
        parts.append((prop, rows[keep], at[keep], value[keep]))

    created = d["created_ms"][rows]
    everyone = np.ones(rows.size, dtype=bool)
    add("amount", everyone, created, d["amount_initial"][rows])
    add("amount", _at(d["scope_ms"][rows], t) >= 0, d["scope_ms"][rows], d["amount_scoped"][rows])
    revised = d["revised_ms"][rows]
    add("amount", _at(revised, t) >= 0, revised, d["amount_final"][rows])

    add("hubspot_owner_id", everyone, created, d["owner_idx"][rows].astype(np.int64))
    change = d["owner_change_ms"][rows]
    add("hubspot_owner_id", _at(change, t) >= 0, change, d["owner_new_idx"][rows].astype(np.int64))

    close0, step, off = d["close0_ms"][rows], d["slip_step_ms"][rows], d["slip_off_ms"][rows]
    add("closedate", everyone, created, close0)
    pre = _slips_done(d, rows, t)
    k = np.concatenate([np.arange(1, n + 1) for n in pre]) if pre.sum() else np.zeros(0, int)
    who = np.repeat(np.arange(rows.size), pre)
    parts.append(
        (
            "closedate",
            rows[who],
            close0[who] + (k - 1) * step[who] - off[who],
            close0[who] + k * step[who],
        )
    )
    pull, to = d["pull_ms"][rows], d["pull_to_ms"][rows]
    pulled = _at(pull, t) >= 0
    add("closedate", pulled, pull, to)
    post = _close_dates(d, rows, t)[2] - pre
    k = np.concatenate([np.arange(1, n + 1) for n in post]) if post.sum() else np.zeros(0, int)
    who = np.repeat(np.arange(rows.size), post)
    parts.append(
        ("closedate", rows[who], to[who] + (k - 1) * step[who] - off[who], to[who] + k * step[who])
    )
    closed = st["closed_ms"]
    add("closedate", closed >= 0, closed, closed)

    # Forecast category: the stage's at each stage change, a rep's own while it holds.
    entered = world.stage_entered[rows]
    seen = (entered >= 0) & (entered <= t[:, None])
    who, stage = np.nonzero(seen)
    cat_rows = [rows[who], rows[closed >= 0]]
    cat_at = [entered[who, stage], closed[closed >= 0]]
    cat_value = [STAGE_CATEGORY[stage], STAGE_CATEGORY[d["final_stage"][rows][closed >= 0]]]
    override = _at(d["category_override_ms"][rows], t) >= 0
    cat_rows.append(rows[override])
    cat_at.append(d["category_override_ms"][rows][override])
    cat_value.append(d["category_override"][rows][override].astype(np.int64))
    cats = pd.DataFrame(
        {
            "row": np.concatenate(cat_rows),
            "changed_ms": np.concatenate(cat_at),
            "value": np.concatenate(cat_value).astype(np.int64),
        }
    ).sort_values(["row", "changed_ms"], kind="stable")
    same = (cats["row"] == cats["row"].shift()) & (cats["value"] == cats["value"].shift())
    cats = cats[~same.to_numpy()]
    add_cat = ("hs_forecast_category", cats["row"].to_numpy(), cats["changed_ms"].to_numpy(),
               cats["value"].to_numpy())  # fmt: skip
    parts.append(add_cat)

    frame = pd.concat(
        [
            pd.DataFrame({"row": r, "property": p, "changed_ms": a, "value": v})
            for p, r, a, v in parts
        ],
        ignore_index=True,
    )
    frame["value"] = frame["value"].astype(np.int64)
    frame["changed_ms"] = frame["changed_ms"].astype(np.int64)
    return frame.sort_values(["row", "property", "changed_ms"], kind="stable", ignore_index=True)
