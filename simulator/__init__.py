"""Deterministic demo company behind local HubSpot- and Typeform-compatible APIs (tests, demo and
benchmarks only; production code never imports it)."""

from simulator.company import Company, generate_company
from simulator.scales import SCALES, Scale

__all__ = ["SCALES", "Company", "Scale", "generate_company"]
