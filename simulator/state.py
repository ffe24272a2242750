"""The timeline as seen at a clock: vectorised over any set of rows.

The HTTP API calls these for the rows of one page, the exports and the truth for every row, so
a page and a file always agree. `clock` is epoch ms; an archived record is seen as it was when
it was archived.
"""

from __future__ import annotations

import numpy as np

from simulator.contacts import EXISTING_CUSTOMER
from simulator.stages import OPEN_STAGES, WON
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
    close0, step = d["close0_ms"][rows], d["slip_step_ms"][rows]
    off, n_slips = d["slip_off_ms"][rows], d["n_slips"][rows]
    done = np.where(t >= close0 - off, (t - close0 + off) // step + 1, 0)
    return np.minimum(done, n_slips)


def deal_state(world: World, rows: np.ndarray, clock: int) -> dict[str, np.ndarray]:
    """Stage, closedate, amount, modification time... of deals (created by clock) at clock."""
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

    slips = _slips_done(d, rows, t)
    expected = d["close0_ms"][rows] + slips * d["slip_step_ms"][rows]
    closedate = np.where(is_closed, closed, expected)
    last_slip = np.where(
        slips > 0,
        d["close0_ms"][rows] + (slips - 1) * d["slip_step_ms"][rows] - d["slip_off_ms"][rows],
        -1,
    )
    revised_at = _at(d["revised_ms"][rows], t)
    revised = revised_at >= 0
    amount = np.where(revised, d["amount_final"][rows], d["amount_initial"][rows])
    usd = np.where(revised, d["usd_final"][rows], d["usd_initial"][rows])

    modified = np.maximum.reduce(
        [
            created,
            np.where(seen, entered, -1).max(axis=1),
            np.where(is_closed, closed, -1),
            last_slip,
            revised_at,
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
    slips = int(_slips_done(d, np.array([row]), np.array([t]))[0])
    changes = [(int(d["created_ms"][row]), close0)]
    changes += [(close0 + (j - 1) * step - off, close0 + j * step) for j in range(1, slips + 1)]
    closed = int(d["closed_ms"][row])
    if 0 <= closed <= t:
        changes.append((closed, closed))
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
