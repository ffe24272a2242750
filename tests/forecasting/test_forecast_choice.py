"""The choice rule: lowest backtest error, ties (within the tolerance) to the simpler method."""

from forecasting import choose


def test_lowest_error_wins():
    assert choose({"Naive": 10.0, "SeasonalNaive": 8.0, "AutoETS": 5.0}, 0.01) == "AutoETS"


def test_near_ties_go_to_the_simpler_method():
    errors = {"Naive": 10.0, "SeasonalNaive": 5.04, "AutoTheta": 5.02, "AutoETS": 5.0}
    assert choose(errors, 0.01) == "SeasonalNaive"
    assert choose(errors, 0.0) == "AutoETS"


def test_exact_ties_go_to_the_simpler_method_even_at_zero_error():
    assert choose({"AutoETS": 0.0, "AutoTheta": 0.0, "Naive": 0.0}, 0.0) == "Naive"
    assert choose({"AutoARIMA": 3.0, "AutoETS": 3.0}, 0.0) == "AutoETS"
