"""A snapshot of the asset graph's shape: keys, lineage, groups, pools, checks and schedule.
An accidental change to the graph that BI and operators rely on fails here first."""

from dagster import AssetKey

from orchestration.settings import BUILD_WAREHOUSE_POOL

RAW_HUBSPOT = {AssetKey(["raw_hubspot", name]) for name in ("owners", "deal_pipelines", "deals")}
MART = AssetKey(["sales", "rep_performance_monthly"])
SERVING = AssetKey(["serving", "warehouse"])


def _graph(dbt_manifest):
    from orchestration.definitions import defs

    return defs, defs.resolve_asset_graph()


def test_dlt_assets_are_the_dbt_sources_so_lineage_joins(dbt_manifest):
    _, graph = _graph(dbt_manifest)
    materializable = set(graph.materializable_asset_keys)
    assert materializable >= RAW_HUBSPOT
    # No dbt source became a stub of its own: every staging model reads a raw asset that the
    # pipeline itself materializes (a dlt resource, or the forecast step).
    raw_keys = {key for key in materializable if key.path[0].startswith("raw_")}
    assert raw_keys >= RAW_HUBSPOT
    for key in graph.get_all_asset_keys():
        if key.path[0] == "staging":
            parents = set(graph.get(key).parent_keys)
            assert parents and parents <= raw_keys, key
    for key in RAW_HUBSPOT:
        assert not graph.get(key).parent_keys, f"{key} has a phantom upstream"
    assert set(graph.get_all_asset_keys()) == materializable


def test_layers_groups_and_the_publish_step(dbt_manifest):
    _, graph = _graph(dbt_manifest)
    groups = {key: graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert {groups[key] for key in RAW_HUBSPOT} == {"raw_hubspot"}
    assert groups[MART] == "marts_sales"
    assert groups[AssetKey(["staging", "stg_hubspot__deals"])] == "staging"
    assert groups[AssetKey(["intermediate", "int_deals_unioned"])] == "intermediate"
    assert groups[SERVING] == "publish"
    assert MART in graph.get(SERVING).parent_keys


def test_every_writer_of_the_build_warehouse_is_in_the_one_writer_pool(dbt_manifest):
    defs, _ = _graph(dbt_manifest)
    for assets_def in defs.assets:
        for node in assets_def.node_def.iterate_node_defs():
            assert node.pool == BUILD_WAREHOUSE_POOL, assets_def.keys


def test_dbt_tests_are_asset_checks_on_the_mart(dbt_manifest):
    _, graph = _graph(dbt_manifest)
    mart_checks = {key.name for key in graph.asset_check_keys if key.asset_key == MART}
    assert "assert_rep_bookings_reconcile_with_deals" in mart_checks
    assert (
        "unique_combination_of_columns_rep_performance_monthly_rep_id__month_start_date"
        in mart_checks
    )


def test_the_nightly_schedule_runs_at_two_in_the_reporting_time_zone(dbt_manifest, monkeypatch):
    defs, _ = _graph(dbt_manifest)
    schedule = defs.resolve_schedule_def("nightly_refresh_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "UTC"
    assert schedule.job_name == "nightly_refresh"


def test_the_intraday_job_leaves_the_forecast_out_and_keeps_the_tests_of_what_it_builds(
    dbt_manifest,
):
    defs, graph = _graph(dbt_manifest)
    from orchestration.defs.automation.jobs import intraday_selection

    job = defs.resolve_job_def("intraday_refresh")
    built = set(job.asset_layer.selected_asset_keys)
    forecast = {
        key
        for key in graph.get_all_asset_keys()
        if key.path[0] in ("raw_forecast", "forecast") or key.path[-1].startswith("stg_forecast")
    }
    assert forecast and not forecast & built
    assert {MART, SERVING, AssetKey(["raw_hubspot", "deals"])} <= built
    # The checks of every asset it builds (dbt tests among them), and no other.
    checks = intraday_selection().resolve_checks(graph)
    assert {key.asset_key for key in checks} <= built
    assert {key for key in graph.asset_check_keys if key.asset_key == MART} <= checks
