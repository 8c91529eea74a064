"""Thin callbacks: inputs -> store/analytics -> outputs. Importing registers them."""

from callbacks import explore, home, wall  # noqa: F401
