"""The dashboard in a real browser (Debian's chromium through Playwright), served by
`salespulse dashboard` on the published demo warehouse: every page at laptop and phone width
without a console error or sideways scrolling, a headline figure equal to the mart's, a filter
that changes it and lives in the URL, and a rep signed in through the proxy's header seeing only
their own row. Screenshots go to each test's tmp folder."""

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from dashboard import formatting as fmt
from dashboard.pages import PAGES

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium's own connections are refused, many at once.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SALESPULSE = str(Path(sys.executable).parent / "salespulse")
VIEWPORTS = [(1280, 800), (390, 844)]
CURRENT_QUARTER = "FY2026-Q2"
HEADER = "X-Forwarded-Email"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            "the browser tests need Debian's chromium (apt-get install chromium; .ci/run does); "
            "deselect them with -m 'not browser'"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


class Dashboard:
    """`salespulse dashboard` on a free port, its output in `log`."""

    def __init__(self, home: Path, log: Path, *options: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        command = [SALESPULSE, "dashboard", "--port", str(port), *options]
        env = {**os.environ, "SALESPULSE_HOME": str(home)}
        with open(log, "wb") as output:
            self.server = subprocess.Popen(command, env=env, stdout=output, stderr=output)

    def wait_until_ready(self, seconds: float = 60) -> str:
        deadline = time.monotonic() + seconds
        while True:
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(f"{self.url}/_stcore/health", timeout=2).ok:
                    return self.url
            assert self.server.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, f"not serving within {seconds} s: {self.log}"
            time.sleep(0.3)

    def stop(self) -> None:
        self.server.terminate()
        self.server.wait(timeout=20)


@pytest.fixture(scope="module")
def signed_in_rep(serving) -> dict:
    """The rep ranked last this quarter, whom the roles file below names."""
    return (
        serving(
            "select rep_id, rep_name from sales.rep_leaderboard "
            "where period_grain = 'fiscal_quarter' and period_label = ? "
            "order by attainment_rank_in_company desc, rep_name limit 1",
            [CURRENT_QUARTER],
        )
        .iloc[0]
        .to_dict()
    )


@pytest.fixture(scope="module")
def dashboards(browser, published_home, signed_in_rep, tmp_path_factory):
    """Two servers on the published demo, started and warmed up together: in open mode, and
    behind the sign-in header with a roles file naming one rep."""
    folder = tmp_path_factory.mktemp("dashboards")
    roles = folder / "roles.yml"
    roles.write_text(
        f'users:\n  - {{email: rep@demo.example, role: rep, rep_id: "{signed_in_rep["rep_id"]}"}}\n'
    )
    servers = {
        "open": Dashboard(published_home, folder / "open.log"),
        "signed_in": Dashboard(
            published_home, folder / "signed_in.log", "--auth-header", HEADER, "--roles", str(roles)
        ),
    }
    try:
        urls = {name: server.wait_until_ready() for name, server in servers.items()}
        # A server's first session imports pandas, Altair and DuckDB: open both at once.
        warm_up = [browser.new_page() for _ in urls]
        for page, url in zip(warm_up, urls.values(), strict=True):
            page.goto(url, wait_until="commit")
        for page in warm_up:
            page.wait_for_selector(
                '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000
            )
            page.close()
        yield urls
    finally:
        for server in servers.values():
            server.stop()


def page_url(base: str, key: str) -> str:
    return base if key == PAGES[0].key else f"{base}/{key}"


def wait_until_drawn(page) -> None:
    """The script run finished (Streamlit marks its root) and every chart is drawn."""
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"] [data-testid="stHeading"]',
        timeout=60_000,
    )
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]')]"
        ".every(chart => chart.querySelector('canvas, svg'))",
        timeout=30_000,
    )
    page.wait_for_timeout(200)  # layout settles after the last element arrives


def sideways_overflow(page) -> int:
    """How many pixels the page scrolls sideways (0: it fits the screen's width)."""
    return page.evaluate(
        """() => Math.max(
            ...[document.scrollingElement, document.querySelector('[data-testid="stMain"]')]
                .filter(Boolean).map(element => element.scrollWidth - element.clientWidth))"""
    )


def is_deep_link_probe(message) -> bool:
    """Streamlit's page, opened at /<page>, first asks /<page>/_stcore/... for its health and
    host settings, then the root: those two 404s come from Streamlit's front end, not the app."""
    location = message.location.get("url", "")
    return "/_stcore/health" in location or "/_stcore/host-config" in location


def metric_value(page, label: str):
    """The value of the KPI tile labelled `label`, as a locator to expect things of."""
    tile = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label)
    )
    return tile.locator('[data-testid="stMetricValue"]').first


def open_by_link(page, spec) -> None:
    """Follow the page's link in the sidebar, as a person on a laptop does."""
    heading = page.locator('[data-testid="stHeading"]').first.inner_text()
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=spec.title).click()
    page.wait_for_function(
        "(before) => document.querySelector('[data-testid=\"stHeading\"]')?.innerText !== before",
        arg=heading,
        timeout=60_000,
    )


def test_every_page_fits_a_laptop_and_a_phone_without_errors(browser, dashboards, tmp_path):
    """At laptop width through the sidebar's links; at phone width by opening each page's link
    directly, as a shared link would be."""
    for width, height in VIEWPORTS:
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        errors = []
        page.on(
            "console",
            lambda message, errors=errors: (
                errors.append(f"{message.text} {message.location}")
                if message.type == "error" and not is_deep_link_probe(message)
                else None
            ),
        )
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        for number, spec in enumerate(PAGES):
            if width >= 1024 and number:
                open_by_link(page, spec)
            else:
                page.goto(page_url(dashboards["open"], spec.key), wait_until="domcontentloaded")
            wait_until_drawn(page)
            assert page.url.rstrip("/") == page_url(dashboards["open"], spec.key)
            page.screenshot(path=tmp_path / f"{spec.key}-{width}x{height}.png")
            assert sideways_overflow(page) <= 0, f"{spec.key} scrolls sideways at {width}px"
            assert page.get_by_text("Data as of").first.is_visible()
        context.close()
        assert errors == [], f"console errors at {width}px: {errors}"
    print(f"\nscreenshots in {tmp_path}")


def test_a_headline_figure_is_the_marts_and_a_filter_changes_it_in_the_url(
    browser, dashboards, serving, tmp_path
):
    def company_bookings(grain: str, label: str) -> str:
        value = serving(
            "select bookings from sales.company_performance "
            "where period_grain = ? and period_label = ?",
            [grain, label],
        )["bookings"].iloc[0]
        return fmt.money_short(value, "USD")

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(dashboards["open"])
    wait_until_drawn(page)
    quarter = company_bookings("fiscal_quarter", CURRENT_QUARTER)
    expect(metric_value(page, "Bookings")).to_have_text(quarter)

    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(
        has_text="Period grain"
    ).click()
    page.get_by_role("option", name="Month", exact=True).click()
    page.wait_for_url("**grain=Month**")
    wait_until_drawn(page)

    month = company_bookings("month", "2026-06")
    assert month != quarter
    expect(metric_value(page, "Bookings")).to_have_text(month)
    page.screenshot(path=tmp_path / "overview-month-1280x800.png")

    page.goto(page.url)  # the shared link opens the same view
    wait_until_drawn(page)
    expect(metric_value(page, "Bookings")).to_have_text(month)
    context.close()


def test_a_rep_signed_in_through_the_proxy_sees_only_their_own_row(
    browser, dashboards, signed_in_rep, serving, tmp_path
):
    reps_ranked = serving(
        "select count(*) from sales.rep_leaderboard "
        "where period_grain = 'fiscal_quarter' and period_label = ?",
        [CURRENT_QUARTER],
    ).iloc[0, 0]
    assert reps_ranked > 1
    url = dashboards["signed_in"]

    stranger = browser.new_context(viewport={"width": 1280, "height": 800})
    page = stranger.new_page()
    page.goto(f"{url}/leaderboard")
    expect(page.get_by_text("No X-Forwarded-Email header came with this request")).to_be_visible(
        timeout=30_000
    )
    assert page.locator('[data-testid="stDataFrame"]').count() == 0
    stranger.close()

    signed_in = browser.new_context(
        viewport={"width": 1280, "height": 800}, extra_http_headers={HEADER: "rep@demo.example"}
    )
    page = signed_in.new_page()
    page.goto(f"{url}/leaderboard")
    wait_until_drawn(page)
    page.screenshot(path=tmp_path / "leaderboard-as-a-rep-1280x800.png")
    assert page.get_by_text("Signed in as rep@demo.example").is_visible()
    rows = page.locator('[data-testid="stDataFrame"]').first.locator("table tbody tr")
    expect(rows).to_have_count(1)
    cells = [cell.strip() for cell in rows.first.locator("td").all_inner_texts()]
    assert signed_in_rep["rep_name"] in cells
    nav = page.locator('[data-testid="stSidebarNav"]')
    assert nav.get_by_role("link", name="Leaderboard").is_visible()
    assert nav.get_by_role("link", name="People").count() == 0
    signed_in.close()
