"""Thin callbacks: read inputs -> call store/analytics -> build outputs. Importing registers them."""

from callbacks import home  # noqa: F401
