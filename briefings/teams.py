"""The teams a digest is made for: every known team of the published dimension."""

from pathlib import Path

import duckdb


def digest_teams(serving: Path) -> list[str]:
    with duckdb.connect(str(serving), read_only=True) as con:
        rows = con.execute(
            "select team_id from core.dim_teams where not is_unknown_member order by team_id"
        ).fetchall()
    return [team_id for (team_id,) in rows]
