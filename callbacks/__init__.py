"""Thin callbacks: inputs -> store/analytics -> outputs. Importing registers them."""

from callbacks import home, wall  # noqa: F401
