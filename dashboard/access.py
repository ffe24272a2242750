"""Who sees what: the signed-in person from a header set by an authenticating proxy, and their
role from a roles file.

With no header configured (the local demo) there is no sign-in: everyone sees everything, and
every page says so. With one configured, the app trusts that header, so it must only be
reachable through the proxy (see docs/dashboard.md), and a request without the header, or from
someone the roles file does not name, sees nothing.

Roles:
- rep: their own rows, their team's aggregates and the company's; the sales pages and Explore
  (limited to their own rows, or their team's aggregates: dashboard/views/explore.py).
- manager: the rows and aggregates of their teams and the company's; sales, people (their teams),
  Explore (limited to their teams) and data quality pages.
- hr: the people pages for every team (survey figures are anonymised in the marts); no sales page.
- admin: everything.
"""

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from salespulse.settings import env_name, load_settings

AUTH_HEADER_ENV = env_name("dashboard_auth_header")
ROLES_FILE_ENV = env_name("dashboard_roles_file")

ROLES = ("rep", "manager", "hr", "admin")
OPEN = "open"  # no sign-in configured: the local demo

# The areas of the dashboard each role may open.
AREAS_BY_ROLE = {
    OPEN: frozenset({"sales", "people", "quality", "explore"}),
    "admin": frozenset({"sales", "people", "quality", "explore"}),
    "manager": frozenset({"sales", "people", "quality", "explore"}),
    "rep": frozenset({"sales", "explore"}),
    "hr": frozenset({"people"}),
}

_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
_USER_KEYS = {"email", "role", "rep_id", "teams"}


class AccessConfigError(ValueError):
    """The header or roles file settings are unusable; the message says what to fix."""


class AccessDenied(Exception):
    """The request may see nothing; the message says why, for the person asking."""


@dataclass(frozen=True)
class Viewer:
    """The person looking, as the roles file describes them."""

    role: str
    email: str | None = None
    rep_id: str | None = None
    team_ids: frozenset[str] = frozenset()

    @property
    def is_open_mode(self) -> bool:
        return self.role == OPEN

    @property
    def areas(self) -> frozenset[str]:
        return AREAS_BY_ROLE[self.role]


OPEN_VIEWER = Viewer(role=OPEN)


@dataclass(frozen=True)
class AccessSettings:
    """The header to trust and the roles file; both or neither."""

    header: str | None
    roles_file: Path | None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "AccessSettings":
        """From the deployment's settings (SALESPULSE_DASHBOARD_*), read where all are read."""
        settings = load_settings(env)
        return cls.checked(settings.dashboard_auth_header, settings.dashboard_roles_file)

    @classmethod
    def checked(cls, header: str | None, roles_file: Path | None) -> "AccessSettings":
        if header and not _HEADER_NAME.match(header):
            raise AccessConfigError(f"{header!r} is not an HTTP header name")
        if header and roles_file is None:
            raise AccessConfigError(
                f"a sign-in header ({header}) is set but no roles file: without one nobody could "
                f"see anything; give --roles FILE (or {ROLES_FILE_ENV})"
            )
        if roles_file is not None and not header:
            raise AccessConfigError(
                f"a roles file ({roles_file}) is set but no sign-in header to say who is asking; "
                f"give --auth-header NAME (or {AUTH_HEADER_ENV}), e.g. X-Forwarded-Email"
            )
        return cls(header, roles_file.resolve() if roles_file else None)

    @property
    def is_open(self) -> bool:
        return self.header is None

    def roles(self) -> dict[str, Viewer]:
        """Viewers by lower-cased e-mail, re-read whenever the file changes."""
        if self.roles_file is None:
            return {}
        try:
            changed = self.roles_file.stat().st_mtime_ns
        except FileNotFoundError:
            raise AccessConfigError(f"roles file {self.roles_file} does not exist") from None
        return _load_roles(self.roles_file, changed)

    def viewer(self, header_values: Sequence[str]) -> Viewer:
        """Who sent a request whose sign-in header had `header_values`."""
        if self.is_open:
            return OPEN_VIEWER
        if not header_values or not header_values[0].strip():
            raise AccessDenied(
                f"No {self.header} header came with this request: open the dashboard through "
                "your company's sign-in."
            )
        if len(header_values) > 1:
            # A client's own copy of the header beside the proxy's: trust neither.
            raise AccessDenied(f"The request carried {self.header} more than once.")
        email = header_values[0].strip().lower()
        viewer = self.roles().get(email)
        if viewer is None:
            raise AccessDenied(
                f"{email} is not in the dashboard's roles file: ask your SalesPulse admin for access."
            )
        return viewer


def request_header_values(name: str) -> list[str]:
    """Every value of header `name` in the request that opened this Streamlit session."""
    import streamlit as st

    return st.context.headers.get_all(name)


@functools.lru_cache(maxsize=4)
def _load_roles(path: Path, _changed: int) -> dict[str, Viewer]:
    return parse_roles(path.read_text(encoding="utf-8"), source=str(path))


def parse_roles(text: str, source: str = "roles file") -> dict[str, Viewer]:
    """Viewers by lower-cased e-mail from the YAML roles file; every problem in one error."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise AccessConfigError(f"{source} is not valid YAML: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("users"), list):
        raise AccessConfigError(
            f"{source} must have a top-level `users:` list (see docs/dashboard.md)"
        )
    unknown_top = sorted(set(document) - {"users"})
    problems = [f"unknown top-level key(s) {unknown_top}"] if unknown_top else []
    viewers: dict[str, Viewer] = {}
    for number, entry in enumerate(document["users"], start=1):
        where = f"users[{number}]"
        if not isinstance(entry, dict):
            problems.append(f"{where} must be a mapping with email and role")
            continue
        email = entry.get("email")
        if isinstance(email, str) and email.strip():
            where = f"{where} ({email.strip()})"
        viewer, entry_problems = _parse_user(entry)
        problems += [f"{where}: {problem}" for problem in entry_problems]
        if viewer is None:
            continue
        if viewer.email in viewers:
            problems.append(f"{where}: {viewer.email} is listed more than once")
        viewers[viewer.email] = viewer
    if problems:
        raise AccessConfigError(f"{source} is invalid:\n  " + "\n  ".join(problems))
    return viewers


def _parse_user(entry: dict) -> tuple[Viewer | None, list[str]]:
    problems = []
    unknown = sorted(set(entry) - _USER_KEYS)
    if unknown:
        problems.append(f"unknown key(s) {unknown}; allowed: {sorted(_USER_KEYS)}")
    email, role = entry.get("email"), entry.get("role")
    if not isinstance(email, str) or "@" not in email:
        problems.append("`email` must be the e-mail address the proxy sends")
    if role not in ROLES:
        problems.append(f"`role` must be one of {list(ROLES)}, not {role!r}")
    rep_id, teams = entry.get("rep_id"), entry.get("teams")
    if role == "rep" and not _is_id(rep_id):
        problems.append(
            f'a rep needs `rep_id`, quoted as text (rep_id: "40066003"), not {rep_id!r}'
        )
    if role == "manager" and not (
        isinstance(teams, list) and teams and all(_is_id(team) for team in teams)
    ):
        problems.append(
            f'a manager needs `teams`, a list of team ids quoted as text (teams: ["5000944"]), '
            f"not {teams!r}"
        )
    if role != "rep" and rep_id is not None:
        problems.append("`rep_id` applies to role rep only")
    if role != "manager" and teams is not None:
        problems.append("`teams` applies to role manager only")
    if problems:
        return None, problems
    return Viewer(
        role=role,
        email=email.strip().lower(),
        rep_id=rep_id.strip() if rep_id else None,
        team_ids=frozenset(team.strip() for team in teams or ()),
    ), []


def _is_id(value: object) -> bool:
    # Ids are text in the marts; YAML would read 0042 as the number 42, so insist on quotes.
    return isinstance(value, str) and bool(value.strip())


@dataclass(frozen=True)
class Scope:
    """The rows a viewer may see: team aggregates of `team_ids` and rep rows of `rep_ids`
    (None: all). Company aggregates are visible to every viewer of the sales pages."""

    team_ids: frozenset[str] | None
    rep_ids: frozenset[str] | None

    def teams_clause(self, column: str = "team_id") -> tuple[str, list[str]]:
        return _in_clause(column, self.team_ids)

    def reps_clause(self, column: str = "rep_id") -> tuple[str, list[str]]:
        return _in_clause(column, self.rep_ids)


UNRESTRICTED = Scope(team_ids=None, rep_ids=None)


def _in_clause(column: str, values: frozenset[str] | None) -> tuple[str, list[str]]:
    """A SQL condition (with `?` placeholders) limiting `column` to `values`."""
    if values is None:
        return "true", []
    if not values:
        return "false", []
    ordered = sorted(values)
    return f"{column} in ({', '.join('?' for _ in ordered)})", ordered


def scope_for(viewer: Viewer, reps: list[tuple[str, str]]) -> Scope:
    """The scope of `viewer`, given the published reps as (rep_id, team_id)."""
    if viewer.role in (OPEN, "admin", "hr"):
        return UNRESTRICTED
    if viewer.role == "manager":
        rep_ids = frozenset(rep for rep, team in reps if team in viewer.team_ids)
        return Scope(team_ids=viewer.team_ids, rep_ids=rep_ids)
    own_teams = frozenset(team for rep, team in reps if rep == viewer.rep_id)
    return Scope(team_ids=own_teams, rep_ids=frozenset({viewer.rep_id}))


# --- Explore: the scope as semantic-layer filters ------------------------------------------

TEAM_ENTITY = "{{ Entity('team') }}"
REP_ENTITY = "{{ Entity('rep') }}"


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in_filter(entity: str, ids: frozenset[str]) -> str:
    if not ids:  # nobody's rows; the filter still names the entity, as MetricFlow requires
        return f"{entity} is null and {entity} is not null"
    return f"{entity} in ({', '.join(_sql_text(value) for value in sorted(ids))})"


def is_team_level(group_by_item: str) -> bool:
    """A split no finer than the team: time, the team or one of its own dimensions."""
    return group_by_item.startswith("metric_time__") or group_by_item.split("__")[0] == "team"


def scope_filters(viewer: Viewer, scope: Scope, group_by: list[str]) -> list[str]:
    """The semantic-layer (MetricFlow) filters that keep an Explore question within what
    `viewer` may see, added to every question (none for a role that sees everything): a
    manager's teams; a rep's own rows, or their team's totals when the question is split by
    nothing finer than the team and time."""
    if scope.team_ids is None and scope.rep_ids is None:
        return []
    if viewer.role == "rep" and not all(is_team_level(item) for item in group_by):
        return [_in_filter(REP_ENTITY, scope.rep_ids or frozenset())]
    return [_in_filter(TEAM_ENTITY, scope.team_ids or frozenset())]


def required_entities(viewer: Viewer, scope: Scope) -> set[str]:
    """The entities a metric must have for the viewer's scope filters to apply to it."""
    if scope.team_ids is None and scope.rep_ids is None:
        return set()
    return {"team", "rep"} if viewer.role == "rep" else {"team"}
