"""Thin callbacks: inputs -> store/analytics -> outputs. Importing registers them."""

from callbacks import (  # noqa: F401
    admin,
    collection,
    complaints,
    explore,
    explore_table,
    feeds,
    home,
    reports,
    wall,
)
