"""The SalesPulse dashboard: a Streamlit app over the published marts in serving.duckdb.

Every page is a thin view: it selects and filters mart columns and never defines a metric of its
own, so a figure on screen is the figure in the mart. `salespulse dashboard` starts it.
"""
