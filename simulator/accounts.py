"""Companies (accounts): every lead works at one; a company's segment is that of the team whose
reps sell to it, its country follows the team's region, its currency follows the country."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.timeutil import MS_PER_DAY, MS_PER_MINUTE

NAME_PREFIXES = (
    "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Soylent",
    "Hooli", "Vandelay", "Wonka", "Massive", "Oscorp", "Aperture", "Gringotts", "Monarch",
    "Nakatomi", "Blue", "Silver", "North", "Bright", "Iron", "Cedar", "Summit", "Harbor",
    "Polar", "Vertex", "Quantum", "Atlas", "Nova", "Orbit", "Pioneer", "Crescent", "Falcon",
    "Granite", "Maple", "Coral", "Delta", "Evergreen",
)  # fmt: skip
NAME_CORES = (
    "Data", "Logic", "Works", "Dynamics", "Foods", "Health", "Capital", "Motion", "Energy",
    "Media", "Freight", "Cloud", "Metrics", "Retail", "Robotics", "Textiles", "Analytics",
    "Pharma", "Mobility", "Security", "Finance", "Learning", "Farms", "Materials", "Networks",
    "Studios", "Travel", "Software", "Devices", "Water", "Home", "Legal", "Payments", "Bio",
    "Vision", "Signal", "Build", "Craft", "Supply", "Solar",
)  # fmt: skip
NAME_SUFFIXES = ("Corp", "Industries", "Labs", "Group", "Systems", "Holdings", "Logistics")
# HubSpot's industry option values.
INDUSTRIES = (
    "COMPUTER_SOFTWARE", "FINANCIAL_SERVICES", "HOSPITAL_HEALTH_CARE", "RETAIL", "MACHINERY",
    "LOGISTICS_AND_SUPPLY_CHAIN", "INFORMATION_TECHNOLOGY_AND_SERVICES", "TELECOMMUNICATIONS",
    "INSURANCE", "REAL_ESTATE", "CONSTRUCTION", "MARKETING_AND_ADVERTISING",
)  # fmt: skip
COUNTRIES = (
    "United States", "Canada", "United Kingdom", "Germany", "France", "Netherlands", "Austria",
    "Switzerland", "Sweden", "Norway", "Denmark", "Finland", "Australia", "Singapore", "Japan",
    "India", "Brazil", "Mexico", "Chile",
)  # fmt: skip
CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "SEK")
# The deal currency of each country's companies when multi-currency is on.
COUNTRY_CURRENCY = np.array(
    [0, 3, 2, 1, 1, 1, 1, 0, 5, 0, 0, 1, 4, 0, 0, 0, 0, 0, 0], dtype=np.int8
)  # fmt: skip
# Countries per region (indexed like people.REGIONS) with their shares.
_US = ([0, 1, 2, 3], [0.82, 0.08, 0.05, 0.05])
REGION_COUNTRIES = (
    _US, _US, _US, _US, _US,
    ([2, 4, 5, 3], [0.4, 0.2, 0.2, 0.2]),  # EMEA
    ([12, 13, 14, 15], [0.4, 0.2, 0.2, 0.2]),  # APAC
    ([16, 17, 18], [0.5, 0.3, 0.2]),  # LATAM
    ([8, 9, 10, 11], [0.4, 0.2, 0.2, 0.2]),  # Nordics
    ([3, 6, 7], [0.6, 0.2, 0.2]),  # DACH
)  # fmt: skip
# Employee count ranges per segment (indexed like people.SEGMENTS).
SEGMENT_EMPLOYEES = ((2_000, 20_000), (200, 2_000), (10, 200), (10_000, 100_000), (50, 500))

N_NAMES = len(NAME_PREFIXES) * len(NAME_CORES) * len(NAME_SUFFIXES)


def company_name_parts(
    ordinal: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(prefix, core, suffix, repeat) indices: unique names for any number of companies."""
    ordinal = np.asarray(ordinal, dtype=np.int64)
    repeat, pos = np.divmod(ordinal, N_NAMES)
    pick = (pos * 7_919) % N_NAMES  # 7919 is prime and coprime with N_NAMES: a permutation
    rest, suffix = np.divmod(pick, len(NAME_SUFFIXES))
    prefix, core = np.divmod(rest, len(NAME_CORES))
    return prefix, core, suffix, repeat


def company_name(ordinal: int) -> str:
    prefix, core, suffix, repeat = (int(v) for v in company_name_parts(np.array([ordinal])))
    base = f"{NAME_PREFIXES[prefix]} {NAME_CORES[core]} {NAME_SUFFIXES[suffix]}"
    return base if repeat == 0 else f"{base} {repeat + 1}"


def company_domain(ordinal: int) -> str:
    prefix, core, suffix, repeat = (int(v) for v in company_name_parts(np.array([ordinal])))
    stem = f"{NAME_PREFIXES[prefix]}{NAME_CORES[core]}{NAME_SUFFIXES[suffix]}".lower()
    return f"{stem}{'' if repeat == 0 else repeat + 1}.example"


def assign_companies(
    rng: np.random.Generator,
    leads: pd.DataFrame,
    owners: pd.DataFrame,
    teams: pd.DataFrame,
    contacts_per_company: float,
    horizon_end_ms: int,
) -> tuple[np.ndarray, pd.DataFrame]:
    """(company index of each lead, companies in creation order).

    Leads of one segment share that segment's pool of companies; a company is created just
    before its first contact (as HubSpot does from the contact's email domain).
    """
    owner_team = owners["team_idx"].to_numpy()[leads["owner_idx"].to_numpy()]
    segment = teams["segment_idx"].to_numpy()[owner_team]
    region = teams["region_idx"].to_numpy()[owner_team]
    n = len(leads)
    raw = np.empty(n, dtype=np.int64)
    offset = 0
    for s in np.unique(segment):
        members = np.flatnonzero(segment == s)
        pool = max(1, round(members.size / contacts_per_company))
        # A few large accounts, many small: squared uniform skews towards low indices.
        raw[members] = offset + (rng.random(members.size) ** 1.6 * pool).astype(np.int64)
        offset += pool
    used, lead_company = np.unique(raw, return_inverse=True)
    n_companies = used.size
    created = leads["created_ms"].to_numpy()
    first_contact = np.full(n_companies, np.iinfo(np.int64).max)
    np.minimum.at(first_contact, lead_company, created)
    # The first contact's team decides the region (and so the country) of the company.
    first_row = np.full(n_companies, n, dtype=np.int64)
    np.minimum.at(first_row, lead_company, np.arange(n))
    company_created = first_contact - rng.integers(1_000, 60 * MS_PER_MINUTE, n_companies)
    order = np.argsort(company_created, kind="stable")
    rank = np.empty(n_companies, dtype=np.int64)
    rank[order] = np.arange(n_companies)
    first_row = first_row[order]

    comp_segment = segment[first_row]
    comp_region = region[first_row]
    country = np.empty(n_companies, dtype=np.int8)
    for r, (codes, shares) in enumerate(REGION_COUNTRIES):
        members = np.flatnonzero(comp_region == r)
        if members.size:
            country[members] = rng.choice(codes, size=members.size, p=shares)
    low = np.array([lo for lo, _ in SEGMENT_EMPLOYEES])[comp_segment]
    high = np.array([hi for _, hi in SEGMENT_EMPLOYEES])[comp_segment]
    employees = np.exp(rng.uniform(np.log(low), np.log(high))).astype(np.int64)
    created_sorted = company_created[order]
    # Once in their life, companies get their headcount refreshed by an enrichment job.
    refreshed = created_sorted + rng.integers(30, 900, n_companies) * MS_PER_DAY
    refreshed = np.where(refreshed <= horizon_end_ms, refreshed, -1)
    companies = pd.DataFrame(
        {
            "created_ms": created_sorted.astype(np.int64),
            "segment_idx": comp_segment.astype(np.int8),
            "country_idx": country,
            "industry_idx": rng.integers(0, len(INDUSTRIES), n_companies).astype(np.int8),
            "employees_initial": employees,
            "employees_refreshed": np.maximum(
                (employees * rng.uniform(0.85, 1.3, n_companies)).astype(np.int64), 1
            ),
            "refreshed_ms": refreshed.astype(np.int64),
        }
    )
    return rank[lead_company].astype(np.int32), companies
