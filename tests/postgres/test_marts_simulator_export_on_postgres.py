"""The demo company's export on PostgreSQL: the simulator's truth, recomputed with pandas from
the export files, equals the marts to the cent and the day, with the same load, the same dbt
build and the same assertions as on DuckDB (tests/marts/test_marts_simulator_export.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from marts_helpers import WITHOUT_FORECAST, load_files, run_dbt

# The DuckDB module's fixtures and assertions, collected again here on this module's PostgreSQL
# warehouse (its `built` is overridden below). The semantic layer's agreement tests stay on
# DuckDB: the semantic layer reads the published DuckDB file.
from test_marts_simulator_export import (  # noqa: F401
    AS_OF,
    MAPPING,
    _vars,
    deals,
    export_dir,
    test_bookings_won_lost_win_rate_and_deal_size_match_pandas,
    test_enps_and_response_rates_match_pandas_with_small_teams_suppressed,
    test_lead_response_and_conversion_match_pandas,
    test_open_pipeline_on_the_as_of_date_matches_pandas,
    test_pulse_scores_match_pandas_per_scale_with_small_teams_suppressed,
    test_quota_attainment_matches_pandas,
    test_sales_cycle_median_and_mean_match_pandas_to_the_day,
    test_team_engagement_never_averages_answers_of_different_scales,
    test_win_drivers_rate_activity_per_week_with_wilson_intervals,
)

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def built(
    postgres_warehouse,
    tmp_path_factory: pytest.TempPathFactory,
    export_dir: Path,  # noqa: F811 (the fixture imported above)
) -> Path:
    """The export loaded by dlt into raw_files of this module's PostgreSQL database, and every
    model, data test and unit test built there with `enabled_sources: [files]`."""
    home, _ = postgres_warehouse
    work = tmp_path_factory.mktemp("simulator_postgres")
    load_files(home, MAPPING, base_dir=export_dir)
    run_dbt(home, "build", *WITHOUT_FORECAST, dbt_vars=_vars(AS_OF), work_dir=work)
    return home
