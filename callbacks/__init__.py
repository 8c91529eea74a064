"""Thin callbacks: inputs -> store/analytics -> outputs. Importing registers them."""

from callbacks import collection, explore, explore_table, home, wall  # noqa: F401
