"""Dagster definitions by concern; assembled in orchestration/definitions.py."""
