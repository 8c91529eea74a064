"""Thin callbacks: inputs -> store/analytics -> outputs. Importing registers them."""

from callbacks import collection, explore, explore_table, home, reports, wall  # noqa: F401
