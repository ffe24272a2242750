"""Deterministic demo company behind local HubSpot-compatible APIs (tests and demo only)."""

from simulator.company import Company, generate_company
from simulator.scales import SCALES, Scale

__all__ = ["SCALES", "Company", "Scale", "generate_company"]
