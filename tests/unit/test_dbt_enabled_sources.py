"""dbt by hand reads the sources to build from SALESPULSE_SOURCES when --vars does not name
them (docs/operations.md, "Configuration"). Some switches read only the var, with hubspot as
their default: `SALESPULSE_SOURCES=files dbt ...` enabled the files staging but not the files
snapshot it feeds, and dbt refused to parse ("depends on snapshot_files__deals which is
disabled"); the files unit tests were left out and the HubSpot ones kept. The names are
read as the enabled_sources() macro reads them, in any case: the switches compared them as
written, and `SALESPULSE_SOURCES=Files` enabled the files models but not their folder."""

import pytest
from dbt_by_hand import dbt_by_hand

pytestmark = pytest.mark.integration


def test_the_environment_enables_the_same_nodes_as_the_var(tmp_path):
    listed = dbt_by_hand(
        tmp_path, "ls", "--resource-type", "snapshot", "--resource-type", "unit_test",
        "--output", "name", "--quiet", env={"SALESPULSE_SOURCES": "Files"},
    )  # fmt: skip
    assert listed.returncode == 0, listed.stdout[-3000:]
    names = set(listed.stdout.split())
    files_only = {
        "snapshot_files__deals",
        "test_int_quotas_unioned_converts_a_quota_of_fifty_million",
        "test_rep_commitments_movement_since_the_one_on_one",
    }
    assert files_only <= names, files_only - names
    assert "test_int_deals_unioned_converts_an_amount_of_ten_billion" not in names  # HubSpot's
