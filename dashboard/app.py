"""The dashboard's entry point (`streamlit run dashboard/app.py`, or `salespulse dashboard`).

Every run: who is asking, which publication is current, which pages they may open, the shared
filters; then the chosen page draws from that context.
"""

from pathlib import Path

import streamlit as st

from dashboard import access, marts
from dashboard.filters import sidebar_filters
from dashboard.pages import SECTIONS, PageContext, pages_for, set_page_context
from dashboard.warehouse import Publication, PublicationChanged

ASSETS = Path(__file__).parent / "assets"

st.set_page_config(
    page_title="SalesPulse",
    page_icon=str(ASSETS / "icon.svg"),  # a file: a material icon would be fetched from Google
    layout="wide",
    initial_sidebar_state="auto",
)


# Less blank space above the title than Streamlit's default, which matters on a phone.
COMPACT_TOP = "<style>[data-testid='stMainBlockContainer'] {padding-top: 2.5rem;}</style>"


def main() -> None:
    try:
        settings = access.AccessSettings.from_env()
        viewer = settings.viewer(
            access.request_header_values(settings.header) if settings.header else []
        )
    except access.AccessConfigError as error:
        st.error(f"The dashboard's access settings are invalid: {error}", icon=":material/error:")
        st.stop()
    except access.AccessDenied as error:
        st.warning(str(error), icon=":material/lock:")
        st.stop()

    publication = Publication.current()
    if publication is None:
        st.header("SalesPulse", anchor=False)
        st.info(
            "Nothing is published yet. Run the refresh (`salespulse run`, or "
            "`salespulse run --demo` for the demo company) and reload this page.",
            icon=":material/hourglass_empty:",
        )
        st.stop()

    try:
        _run_page(publication, viewer)
    except PublicationChanged:
        st.rerun()  # a publish landed mid-run: draw the whole page from the new one


def _run_page(publication: Publication, viewer: access.Viewer) -> None:
    data_as_of = marts.data_as_of(publication)
    reps = marts.reps(publication)
    scope = access.scope_for(viewer, list(zip(reps["rep_id"], reps["team_id"], strict=True)))

    specs = pages_for(viewer)
    pages = {
        spec.key: st.Page(spec.script, title=spec.title, icon=spec.icon, url_path=spec.key)
        for spec in specs
    }
    sections: dict[str, list[st.Page]] = {}
    for spec in specs:
        sections.setdefault(SECTIONS[spec.area], []).append(pages[spec.key])
    st.logo(str(ASSETS / "logo.svg"), size="large", icon_image=str(ASSETS / "icon.svg"))
    current = st.navigation(sections)
    st.html(COMPACT_TOP)
    spec = next(spec for spec in specs if pages[spec.key].url_path == current.url_path)

    filters = sidebar_filters(
        publication,
        data_as_of.as_of_date,
        scope,
        spec.filters,
        fixed_rep=viewer.rep_id if viewer.role == "rep" else None,
    )
    set_page_context(PageContext(spec, publication, data_as_of, viewer, scope, filters))
    current.run()


main()
