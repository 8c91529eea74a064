"""Thin callbacks: inputs -> store/analytics -> outputs. Importing registers them."""

from callbacks import explore, explore_table, home, wall  # noqa: F401
