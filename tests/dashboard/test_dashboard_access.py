"""Who sees what: the roles file is validated with clear errors, the sign-in header decides who
is asking, and each role sees only its rows and pages (AppTest on the published demo, with the
header a proxy would have sent)."""

import textwrap

import pandas as pd
import pytest

from dashboard import access
from dashboard import formatting as fmt
from dashboard.access import AccessConfigError, AccessDenied, AccessSettings, parse_roles

CURRENT_QUARTER = "FY2026-Q2"
HEADER = "X-Forwarded-Email"


# --- the roles file -------------------------------------------------------------------------


def test_a_valid_roles_file_gives_one_viewer_per_email():
    viewers = parse_roles(
        textwrap.dedent(
            """
            users:
              - {email: Ada@Example.com, role: rep, rep_id: "40001"}
              - {email: max@example.com, role: manager, teams: ["5000944", "5002253"]}
              - {email: hr@example.com, role: hr}
              - {email: ops@example.com, role: admin}
            """
        )
    )

    assert viewers["ada@example.com"].rep_id == "40001"
    assert viewers["max@example.com"].team_ids == {"5000944", "5002253"}
    assert viewers["hr@example.com"].areas == {"people"}
    assert viewers["ops@example.com"].areas == {"sales", "people", "quality", "explore"}
    assert viewers["max@example.com"].areas == {"sales", "people", "quality", "explore"}
    assert viewers["ada@example.com"].areas == {"sales", "explore"}


def test_every_problem_in_a_roles_file_is_named_with_its_entry():
    text = textwrap.dedent(
        """
        users:
          - {email: ada@example.com, role: rep, rep_id: 40001}
          - {email: max@example.com, role: manager}
          - {email: hr@example.com, role: boss}
          - {email: ops@example.com, role: admin, teams: ["1"]}
          - {email: ada@example.com, role: admin, colour: blue}
        """
    )

    with pytest.raises(AccessConfigError) as raised:
        parse_roles(text, source="roles.yml")

    message = str(raised.value)
    assert message.startswith("roles.yml is invalid:")
    assert "users[1] (ada@example.com): a rep needs `rep_id`, quoted as text" in message
    assert "users[2] (max@example.com): a manager needs `teams`" in message
    assert (
        "users[3] (hr@example.com): `role` must be one of ['rep', 'manager', 'hr', 'admin']"
        in message
    )
    assert "users[4] (ops@example.com): `teams` applies to role manager only" in message
    assert "users[5] (ada@example.com): unknown key(s) ['colour']" in message


def test_a_duplicate_email_and_broken_yaml_are_refused():
    with pytest.raises(AccessConfigError, match="listed more than once"):
        parse_roles("users:\n  - {email: a@x.io, role: hr}\n  - {email: A@x.io, role: admin}\n")
    with pytest.raises(AccessConfigError, match="not valid YAML"):
        parse_roles("users: [\n")
    with pytest.raises(AccessConfigError, match="top-level `users:` list"):
        parse_roles("admins: [a@x.io]\n")


def test_header_and_roles_file_come_together_or_not_at_all(tmp_path):
    roles = tmp_path / "roles.yml"
    roles.write_text("users:\n  - {email: a@x.io, role: admin}\n")

    assert AccessSettings.checked(None, None).is_open
    assert not AccessSettings.checked(HEADER, roles).is_open
    with pytest.raises(AccessConfigError, match="no roles file"):
        AccessSettings.checked(HEADER, None)
    with pytest.raises(AccessConfigError, match="no sign-in header"):
        AccessSettings.checked(None, roles)
    with pytest.raises(AccessConfigError, match="not an HTTP header name"):
        AccessSettings.checked("X Forwarded Email", roles)


def test_the_header_decides_who_is_asking(tmp_path):
    roles = tmp_path / "roles.yml"
    roles.write_text("users:\n  - {email: ada@x.io, role: hr}\n")
    settings = AccessSettings.checked(HEADER, roles)

    assert settings.viewer([" Ada@X.io "]).role == "hr"
    with pytest.raises(AccessDenied, match="No X-Forwarded-Email header"):
        settings.viewer([])
    with pytest.raises(AccessDenied, match="not in the dashboard's roles file"):
        settings.viewer(["eve@x.io"])
    with pytest.raises(AccessDenied, match="more than once"):
        settings.viewer(["eve@x.io", "ada@x.io"])


def test_an_edited_roles_file_applies_without_a_restart(tmp_path):
    roles = tmp_path / "roles.yml"
    roles.write_text("users:\n  - {email: ada@x.io, role: hr}\n")
    settings = AccessSettings.checked(HEADER, roles)
    assert settings.viewer(["ada@x.io"]).role == "hr"

    roles.write_text("users:\n  - {email: ada@x.io, role: admin}\n  - {email: b@x.io, role: hr}\n")

    assert settings.viewer(["ada@x.io"]).role == "admin"


# --- what each role sees, in the app --------------------------------------------------------


@pytest.fixture
def demo_people(serving):
    """A rep with closed deals this quarter, and their team."""
    rep = serving(
        """
        select performance.rep_id, performance.rep_name, performance.team_id, teams.team_name
        from sales.rep_performance as performance
        inner join core.dim_teams as teams using (team_id)
        where period_grain = 'fiscal_quarter' and period_label = ? and won_deals > 0
        order by bookings desc limit 1
        """,
        [CURRENT_QUARTER],
    ).iloc[0]
    return rep


@pytest.fixture
def signed_in_app(open_app, tmp_path, monkeypatch, demo_people):
    """Runs a page as `email` would see it behind the proxy, with a roles file of four people."""
    roles = tmp_path / "roles.yml"
    roles.write_text(
        textwrap.dedent(
            f"""
            users:
              - {{email: rep@demo.example, role: rep, rep_id: "{demo_people["rep_id"]}"}}
              - {{email: manager@demo.example, role: manager, teams: ["{demo_people["team_id"]}"]}}
              - {{email: hr@demo.example, role: hr}}
              - {{email: admin@demo.example, role: admin}}
            """
        )
    )

    def run(email: str | None, page: str = "overview", home=None, **query_params):
        monkeypatch.setenv(access.AUTH_HEADER_ENV, HEADER)
        monkeypatch.setenv(access.ROLES_FILE_ENV, str(roles))
        sent = [] if email is None else [email]
        monkeypatch.setattr(
            access, "request_header_values", lambda name: sent if name == HEADER else []
        )
        return open_app(page, home=home, **query_params)

    return run


def test_a_rep_sees_only_their_own_rows(signed_in_app, serving, demo_people):
    other = serving(
        "select rep_name from core.dim_reps where rep_id <> ? and not is_unknown_member limit 1",
        [demo_people["rep_id"]],
    )["rep_name"].iloc[0]

    board = signed_in_app("rep@demo.example", "leaderboard").dataframe[0].value
    assert board["rep_label"].tolist() == [demo_people["rep_name"]]
    rank = serving(
        "select attainment_rank_in_company from sales.rep_leaderboard "
        "where period_grain = 'fiscal_quarter' and period_label = ? and rep_id = ?",
        [CURRENT_QUARTER, demo_people["rep_id"]],
    ).iloc[0, 0]
    assert board["attainment_rank"].tolist() == [rank]  # their place in the company, alone

    leads = signed_in_app("rep@demo.example", "lead_response")
    by_rep = [frame.value for frame in leads.dataframe if "rep_label" in frame.value.columns]
    assert all(frame["rep_label"].tolist() == [demo_people["rep_name"]] for frame in by_rep)
    assert not [frame for frame in leads.dataframe if "team_name" in frame.value.columns]

    # Another rep asked for in the URL: still their own page.
    rep_page = signed_in_app("rep@demo.example", "rep", rep=other)
    assert rep_page.header[0].value == demo_people["rep_name"]
    assert rep_page.sidebar.selectbox(key="rep").disabled
    assert rep_page.sidebar.selectbox(key="team").options == [demo_people["team_name"]]


def test_a_reps_explore_answers_hold_only_their_rows_or_their_teams_totals(
    signed_in_app, serving, demo_people
):
    app = signed_in_app("rep@demo.example", "explore")

    assert not [box for box in app.text_input if box.key == "explore_where"]  # no free filter
    # Split by time only: the team's totals (bookings and win rate of team_performance).
    quarters = app.dataframe[0].value
    team = serving(
        "select period_start_date, bookings from sales.team_performance "
        "where team_id = ? and period_grain = 'fiscal_quarter' and bookings > 0",
        [demo_people["team_id"]],
    )
    shown = quarters.assign(start=pd.to_datetime(quarters["metric_time__fiscal_quarter"]))
    merged = team.assign(start=pd.to_datetime(team["period_start_date"])).merge(
        shown, on="start", suffixes=("_mart", "_shown")
    )
    assert len(merged) == len(team) > 1
    assert (
        merged["bookings_mart"].astype(float).round(2)
        == merged["bookings_shown"].astype(float).round(2)
    ).all()

    # Split by rep (or anything finer than the team): their own rows only.
    app.multiselect(key="explore_group_by").set_value(["metric_time__fiscal_quarter", "rep"]).run()
    by_rep = app.dataframe[0].value
    assert set(by_rep["rep"]) == {demo_people["rep_id"]}
    mine = serving(
        "select sum(bookings) from sales.rep_performance "
        "where rep_id = ? and period_grain = 'fiscal_quarter'",
        [demo_people["rep_id"]],
    ).iloc[0, 0]
    assert float(by_rep["bookings"].astype(float).sum()) == pytest.approx(float(mine))
    app.multiselect(key="explore_group_by").set_value(["deal__lead_source"]).run()
    by_source = app.dataframe[0].value
    assert float(by_source["bookings"].astype(float).sum()) == pytest.approx(float(mine))


def test_a_managers_explore_answers_hold_only_their_teams(signed_in_app, serving, demo_people):
    app = signed_in_app("manager@demo.example", "explore")

    app.multiselect(key="explore_group_by").set_value(["team", "rep"]).run()
    shown = app.dataframe[0].value
    assert set(shown["team"]) == {demo_people["team_id"]}
    all_teams = serving("select count(*) from core.dim_teams where not is_unknown_member")
    assert all_teams.iloc[0, 0] > 1


def test_the_explore_scope_filters_follow_the_role_and_the_split():
    from dashboard.access import scope_filters

    rep = access.Viewer(role="rep", email="r@x.io", rep_id="r1")
    rep_scope = access.Scope(team_ids=frozenset({"t1"}), rep_ids=frozenset({"r1"}))
    manager = access.Viewer(role="manager", email="m@x.io", team_ids=frozenset({"t1", "t'2"}))
    manager_scope = access.Scope(team_ids=manager.team_ids, rep_ids=frozenset({"r1", "r2"}))
    team, rep_entity = "{{ Entity('team') }}", "{{ Entity('rep') }}"

    assert scope_filters(rep, rep_scope, ["metric_time__month", "team__team_name"]) == [
        f"{team} in ('t1')"
    ]
    assert scope_filters(rep, rep_scope, ["metric_time__month", "deal__lead_source"]) == [
        f"{rep_entity} in ('r1')"
    ]
    assert scope_filters(rep, rep_scope, ["rep"]) == [f"{rep_entity} in ('r1')"]
    assert scope_filters(manager, manager_scope, ["rep", "deal__stage"]) == [
        f"{team} in ('t''2', 't1')"
    ]
    assert scope_filters(access.OPEN_VIEWER, access.UNRESTRICTED, ["rep"]) == []


def test_a_rep_cannot_open_the_people_or_data_quality_pages(signed_in_app):
    app = signed_in_app("rep@demo.example")

    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("views/people.py")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("views/data_quality.py")


def test_a_manager_sees_the_reps_of_their_team_only(signed_in_app, serving, demo_people):
    board = signed_in_app("manager@demo.example", "leaderboard").dataframe[0].value

    team_reps = serving(
        """
        select board.rep_id, board.rep_name, board.team_name
        from sales.rep_leaderboard as board
        inner join core.dim_reps as reps using (rep_id)
        where board.period_grain = 'fiscal_quarter' and board.period_label = ?
            and reps.team_id = ?
        """,
        [CURRENT_QUARTER, demo_people["team_id"]],
    )
    assert sorted(board["rep_label"]) == sorted(fmt.rep_labels(team_reps))
    all_reps = serving(
        "select count(*) from sales.rep_leaderboard "
        "where period_grain = 'fiscal_quarter' and period_label = ?",
        [CURRENT_QUARTER],
    ).iloc[0, 0]
    assert len(board) < all_reps


def test_a_manager_sees_the_record_exceptions_of_their_reps_only(
    signed_in_app, serving, published_home, demo_people, tmp_path
):
    import shutil

    import duckdb

    other_rep = serving(
        "select rep_id from core.dim_reps where team_id <> ? and not is_unknown_member limit 1",
        [demo_people["team_id"]],
    )["rep_id"].iloc[0]
    home = tmp_path / "warehouse"
    home.mkdir()
    shutil.copy(published_home / "serving.duckdb", home / "serving.duckdb")
    with duckdb.connect(str(home / "serving.duckdb")) as con:
        con.execute(
            "insert into core.record_exceptions values "
            "('deal', 'd1', 'mine', 'hubspot', ?, 'negative_amount', 'why', 'amount', '-5', true), "
            "('deal', 'd2', 'theirs', 'hubspot', ?, 'negative_amount', 'why', 'amount', '-7', true)",
            [demo_people["rep_id"], other_rep],
        )

    manager = signed_in_app("manager@demo.example", "data_quality", home=home)
    admin = signed_in_app("admin@demo.example", "data_quality", home=home)

    def listed(app):
        frames = [f.value for f in app.dataframe if "source_record_id" in f.value.columns]
        return sorted(frames[0]["source_record_id"])

    assert listed(manager) == ["mine"]
    assert listed(admin) == ["mine", "theirs"]


def test_hr_sees_the_people_pages_and_no_sales_figure(signed_in_app):
    app = signed_in_app("hr@demo.example")

    assert app.header[0].value == "People"  # their first and only page
    assert not [m for m in app.metric if m.label in ("Bookings", "Win rate")]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("views/leaderboard.py")


def test_no_header_or_an_unknown_person_sees_nothing(signed_in_app):
    for email, reason in (
        (None, "No X-Forwarded-Email header came with this request"),
        ("stranger@demo.example", "stranger@demo.example is not in the dashboard's roles file"),
    ):
        app = signed_in_app(email)
        assert len(app.warning) == 1 and app.warning[0].value.startswith(reason)
        assert not app.metric and not app.dataframe


def test_an_invalid_roles_file_is_shown_as_such(open_app, tmp_path, monkeypatch):
    roles = tmp_path / "roles.yml"
    roles.write_text("users:\n  - {email: rep@demo.example, role: rep}\n")
    monkeypatch.setenv(access.AUTH_HEADER_ENV, HEADER)
    monkeypatch.setenv(access.ROLES_FILE_ENV, str(roles))
    monkeypatch.setattr(access, "request_header_values", lambda name: ["rep@demo.example"])

    app = open_app()

    assert "a rep needs `rep_id`" in app.error[0].value
    assert not app.metric


def test_open_mode_says_everything_is_visible(open_app):
    captions = " ".join(caption.value for caption in open_app().caption)

    assert "Open mode: no sign-in is configured, so everything is visible" in captions


def test_a_rep_sees_only_their_own_deals_and_categories_on_the_pipeline_page(
    signed_in_app, serving, demo_people
):
    """Their own rep rows and deals; their team's and the company's aggregates, no other team."""
    app = signed_in_app("rep@demo.example", "pipeline")

    rep_tables = [f.value for f in app.dataframe if "rep_label" in f.value.columns]
    assert len(rep_tables) >= 3  # the categories of both quarters, the rep's coverage, ...
    for frame in rep_tables:
        assert set(frame["rep_label"]) <= {demo_people["rep_name"]}
    own = serving(
        "select count(*) from sales.forecast_category_rollup where forecast_level = 'rep' "
        "and rep_id = ?",
        [demo_people["rep_id"]],
    ).iloc[0, 0]
    categories = [f for f in rep_tables if "best_case_amount" in f.columns]
    assert sum(len(f) for f in categories) == own > 0
    coverage = next(f.value for f in app.dataframe if "this_quarter_coverage" in f.value.columns)
    assert sorted(coverage["level_name"]) == sorted(["Company", demo_people["team_name"]])


def test_a_manager_sees_the_aged_deals_of_their_team_only(signed_in_app, serving, demo_people):
    app = signed_in_app("manager@demo.example", "pipeline")

    aged = [f.value for f in app.dataframe if "stage_norm_days" in f.value.columns]
    team_aged = serving(
        "select deal_name from sales.open_deal_aging where is_older_than_norm and team_id = ?",
        [demo_people["team_id"]],
    )
    shown = aged[0]["deal_name"].tolist() if aged else []
    assert set(shown) <= set(team_aged["deal_name"])
    assert len(shown) == min(len(team_aged), 15)
