"""Display strings (company, contact, deal names; emails) derived from stored indices.

Generation stores small integers only; the API renders the strings of one page and the export
of every row through these same functions, so both always agree.
"""

from __future__ import annotations

import numpy as np

from simulator.accounts import NAME_CORES, NAME_PREFIXES, NAME_SUFFIXES, company_name_parts
from simulator.deals import PRODUCTS
from simulator.people import FIRST_NAMES, LAST_NAMES
from simulator.world import World


def company_names(rows: np.ndarray) -> list[str]:
    prefix, core, suffix, repeat = company_name_parts(rows)
    return [
        f"{NAME_PREFIXES[p]} {NAME_CORES[c]} {NAME_SUFFIXES[s]}" + (f" {r + 1}" if r else "")
        for p, c, s, r in zip(prefix, core, suffix, repeat, strict=True)
    ]


def company_domains(rows: np.ndarray) -> list[str]:
    prefix, core, suffix, repeat = company_name_parts(rows)
    return [
        f"{NAME_PREFIXES[p]}{NAME_CORES[c]}{NAME_SUFFIXES[s]}".lower()
        + (str(r + 1) if r else "")
        + ".example"
        for p, c, s, r in zip(prefix, core, suffix, repeat, strict=True)
    ]


def contact_names(world: World, rows: np.ndarray) -> tuple[list[str], list[str]]:
    first = [FIRST_NAMES[i] for i in world.c["first_idx"][rows]]
    last = [LAST_NAMES[i] for i in world.c["last_idx"][rows]]
    return first, last


def contact_emails(world: World, rows: np.ndarray) -> list[str]:
    first, last = contact_names(world, rows)
    domains = company_domains(world.c["company_idx"][rows])
    dup = world.contact_dup[rows]
    return [
        f"{f.lower()}.{la.lower()}{'' if k == 0 else k + 1}@{dom}"
        for f, la, k, dom in zip(first, last, dup, domains, strict=True)
    ]


def deal_names(world: World, rows: np.ndarray) -> list[str]:
    companies = company_names(world.d["company_idx"][rows])
    products = world.d["product_idx"][rows]
    return [f"{c} - {PRODUCTS[p]}" for c, p in zip(companies, products, strict=True)]
