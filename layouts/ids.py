"""Every component id: constants and dict-id builders, shared by layouts and callbacks."""

from __future__ import annotations

# Home page (/)
HOME_REFRESH = "home-refresh"
HOME_FEEDS = "home-feeds"
HOME_CLOCK = "home-clock"
HOME_MAP = "home"  # aio_id of the home map shell


class MapShellIds:
    """Ids of one map shell instance (All-in-One component)."""

    @staticmethod
    def map(aio_id: str) -> dict:
        return {"component": "MapShell", "part": "map", "aio_id": aio_id}

    @staticmethod
    def layer(aio_id: str, layer: str) -> dict:
        return {"component": "MapShell", "part": "layer", "layer": layer, "aio_id": aio_id}

    @staticmethod
    def layers_control(aio_id: str) -> dict:
        return {"component": "MapShell", "part": "layers", "aio_id": aio_id}

    @staticmethod
    def legend(aio_id: str) -> dict:
        return {"component": "MapShell", "part": "legend", "aio_id": aio_id}
