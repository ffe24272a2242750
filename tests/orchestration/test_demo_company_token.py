"""The demo company starts whatever random token it is given: a token may begin with "-", which
a command line would otherwise read as an option (about one run in sixty-four)."""

import requests

from orchestration import demo_company
from salespulse.settings import load_settings


def test_the_demo_company_starts_with_a_token_that_begins_with_a_dash(tmp_path, monkeypatch):
    settings = load_settings({"SALESPULSE_HOME": str(tmp_path / "warehouse")}, demo=True)
    monkeypatch.setattr(demo_company.secrets, "token_urlsafe", lambda _: "-dash-first-token")

    with demo_company.running_demo_company(settings, scale="tiny") as base_url:
        owners = requests.get(
            f"{base_url}/crm/v3/owners",
            headers={"Authorization": "Bearer -dash-first-token"},
            timeout=30,
        )

    assert owners.status_code == 200
    assert owners.json()["results"]
