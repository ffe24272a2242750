"""The dashboard's pages, who may open them and which shared filters apply to each.

A page is a script in `dashboard/views/<key>.py` that reads `page_context()` and draws. To add
one, write its view and list it
here; navigation, access and filters follow from this entry.
"""

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from dashboard.access import Scope, Viewer
from dashboard.filters import GRAIN, PERIOD, REP, TEAM, Filters
from dashboard.marts import DataAsOf
from dashboard.warehouse import Publication

VIEWS = Path(__file__).parent / "views"

SECTIONS = {
    "sales": "Sales",
    "people": "People",
    "explore": "Analysis",
    "quality": "Operations",
}


@dataclass(frozen=True)
class PageSpec:
    key: str  # the view's file name and the page's URL path
    title: str
    icon: str
    area: str  # sales, people, explore or quality: what a role may open (dashboard.access)
    filters: tuple[str, ...]  # the shared filters that apply

    @property
    def script(self) -> Path:
        return VIEWS / f"{self.key}.py"


PAGES = (
    PageSpec("overview", "Overview", ":material/space_dashboard:", "sales", (GRAIN, PERIOD, TEAM)),
    PageSpec("rep", "Rep", ":material/person:", "sales", (GRAIN, PERIOD, TEAM, REP)),
    PageSpec(
        "leaderboard", "Leaderboard", ":material/leaderboard:", "sales", (GRAIN, PERIOD, TEAM)
    ),
    PageSpec("lead_response", "Lead response", ":material/timer:", "sales", (GRAIN, PERIOD, TEAM)),
    PageSpec("pipeline", "Pipeline", ":material/filter_alt:", "sales", (TEAM,)),
    PageSpec("forecast", "Forecast", ":material/trending_up:", "sales", (TEAM,)),
    PageSpec("people", "People", ":material/diversity_3:", "people", (TEAM,)),
    PageSpec("explore", "Explore", ":material/query_stats:", "explore", ()),
    PageSpec("data_quality", "Data quality", ":material/fact_check:", "quality", ()),
)


def pages_for(viewer: Viewer) -> list[PageSpec]:
    return [page for page in PAGES if page.area in viewer.areas]


@dataclass(frozen=True)
class PageContext:
    """Everything a view needs for one run: what is published, who is looking, what they
    may see and what they picked."""

    page: PageSpec
    publication: Publication
    data_as_of: DataAsOf
    viewer: Viewer
    scope: Scope
    filters: Filters


_CONTEXT_KEY = "_salespulse_page_context"


def set_page_context(context: PageContext) -> None:
    st.session_state[_CONTEXT_KEY] = context


def page_context() -> PageContext:
    """The context app.py set for this run (views run right after it, in the same run)."""
    return st.session_state[_CONTEXT_KEY]
