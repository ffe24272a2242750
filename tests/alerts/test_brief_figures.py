"""The brief's own arithmetic: the Wilson interval as docs/metrics.md gives it, and which of a
rep's figures are gaps against the team's median rep."""

from briefings.brief import gaps, wilson_interval


def test_the_wilson_interval_matches_the_metric_dictionarys_examples():
    assert wilson_interval(8, 10) == (0.4902, 0.9433)
    assert wilson_interval(2, 2) == (0.3424, 1.0)
    assert wilson_interval(0, 0) is None


def test_a_gap_is_a_figure_worse_than_the_median_in_its_own_direction():
    figures = {
        "win_rate": 0.2,
        "team_median_win_rate": 0.4,  # half the median: 50 % worse
        "stage_advance_rate": 0.9,
        "team_median_stage_advance_rate": 0.6,  # better: no gap
        "lead_response_minutes_median": 120.0,
        "team_median_lead_response_minutes_median": 60.0,  # twice as slow: 100 % worse
        "sales_cycle_days_median": None,  # nothing won: not judged
        "team_median_sales_cycle_days_median": 40.0,
    }
    found = gaps(figures)
    assert [(gap.figure, round(gap.shortfall, 4)) for gap in found] == [
        ("lead_response_minutes_median", 1.0),
        ("win_rate", 0.5),
    ]
