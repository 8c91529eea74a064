"""Where the REST API serves each map layer: one URL per layer and data version, so a
browser refetches a layer exactly when its data changed (see api/routes.py)."""

from __future__ import annotations

from store.queries import layer_version


def layer_url(layer: str, version: str | int, fmt: str = "geojson") -> str:
    """The URL of `layer` at `version` (a data version, or a version.time-bucket token)."""
    return f"/api/layers/{layer}.{fmt}?v={version}"


def current_layer_url(layer: str, versions: dict, now_s: float, fmt: str = "geojson") -> str:
    """The URL of `layer` as the data `versions` stand at `now_s`."""
    return layer_url(layer, layer_version(layer, versions, now_s), fmt)
