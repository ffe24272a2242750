"""Reports for people who act on the numbers: the weekly digest per manager (and, later, the
one-on-one brief per rep), read from the published marts and rendered as Markdown and HTML.
Plain Python on the serving warehouse: no Dagster, no dlt."""
