"""Dagster code location for the ASCN city indicators platform."""
