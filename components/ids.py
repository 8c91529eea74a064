"""Every component id: constants and dict-id builders, shared by layouts and callbacks."""

from __future__ import annotations

# Home page (/)
HOME_REFRESH = "home-refresh"
HOME_FEEDS = "home-feeds"
HOME_CLOCK = "home-clock"
HOME_MAP = "home"  # aio_id of the home map shell


# The map shell's data layers, in the order callbacks list their outputs.
MAP_LAYERS = ("traffic", "waste", "complaints", "zones")


class MapShellIds:
    """Ids of one map shell instance (All-in-One component)."""

    @staticmethod
    def map(aio_id: str) -> dict:
        return {"component": "MapShell", "part": "map", "aio_id": aio_id}

    @staticmethod
    def layer(aio_id: str, layer: str) -> dict:
        return {"component": "MapShell", "part": "layer", "layer": layer, "aio_id": aio_id}

    @staticmethod
    def overlay(aio_id: str, layer: str) -> dict:
        return {"component": "MapShell", "part": "overlay", "layer": layer, "aio_id": aio_id}

    @staticmethod
    def layers_control(aio_id: str) -> dict:
        return {"component": "MapShell", "part": "layers", "aio_id": aio_id}

    @staticmethod
    def legend(aio_id: str) -> dict:
        return {"component": "MapShell", "part": "legend", "aio_id": aio_id}


# Wall (/wall)
WALL_ROOT = "wall-root"
WALL_MAP = "wall"  # aio_id of the wall's map shell
WALL_POLL = "wall-poll"
WALL_ROTATE = "wall-rotate"
WALL_SCENES = "wall-scenes"
WALL_SCENE_INDEX = "wall-scene-index"
WALL_SCENE_TITLE = "wall-scene-title"
WALL_CLOCK = "wall-clock"
WALL_TILES = "wall-tiles"
WALL_ALERT_LIST = "wall-alerts"
WALL_DOMAINS = ("waste", "traffic", "complaints", "feeds", "outcomes")


def wall_tile(domain: str) -> str:
    return f"wall-tile-{domain}"


def wall_token(domain: str) -> str:
    """What the wall last saw of a domain: data version (+ time bucket)."""
    return f"wall-token-{domain}"


def wall_alerts(domain: str) -> str:
    return f"wall-alerts-{domain}"


def wall_alert_button(key: str) -> dict:
    return {"type": "wall-alert", "key": key}


# Explore (/explore)
EXPLORE_MAP = "explore"  # aio_id of the explore map shell
EXPLORE_URL = "explore-url"
EXPLORE_INITIAL = "explore-initial"
EXPLORE_NAMES = "explore-names"  # the layer and filter names assets/explore.js works with
EXPLORE_LAYERS = "explore-layers"
EXPLORE_POLL = "explore-poll"
EXPLORE_TICK = "explore-tick"  # the data versions and minute, set when they move
EXPLORE_PANEL = "explore-panel"
EXPLORE_TABLE = "explore-table"
EXPLORE_TABLE_LAYER = "explore-table-layer"
EXPLORE_TABLE_COUNT = "explore-table-count"
EXPLORE_EXPORT = "explore-export"
EXPLORE_TABLE_QUERY = "explore-table-query"  # what the table lists (its rows load in pages)
EXPLORE_TABLE_PURGED = "explore-table-purged"
EXPLORE_RANGE = "explore-range"
EXPLORE_DATES = "explore-dates"
EXPLORE_SLIDER = "explore-slider"
EXPLORE_SLIDER_UNSET_MAX = 1  # the slider's max before its first range (epoch s once set)
EXPLORE_MOMENT = "explore-moment"
EXPLORE_PLAY = "explore-play"
EXPLORE_PLAY_TICK = "explore-play-tick"
EXPLORE_SOURCES = "explore-sources"  # layer URLs at the data's versions
EXPLORE_SUBSET = "explore-subset"  # the features behind a clicked figure
EXPLORE_SUBSET_BAR = "explore-subset-bar"
EXPLORE_SUBSET_BOX = "explore-subset-bar-box"  # the bar and its "Show all", hidden when unused
EXPLORE_SUBSET_CLEAR = "explore-subset-clear"

# every layer the explore map can show, in the order the clientside view lists them
EXPLORE_LAYERS_ALL = ("traffic", "waste", "complaints", "hotspots", "signals", "zones", "basemap")
# the map shell's overlays (each checkable, each loaded by URL), in the clientside view's order
EXPLORE_OVERLAYS = ("traffic", "waste", "complaints", "zones", "hotspots", "signals")
# the layers whose clicked feature opens the detail panel
EXPLORE_PANEL_LAYERS = ("waste", "traffic", "complaints", "zones")


def explore_filter(name: str) -> str:
    return f"explore-filter-{name}"


def explore_opacity(layer: str) -> str:
    return f"explore-opacity-{layer}"


def explore_figure(layer: str, metric: str, zone) -> dict:
    """A figure in the zone panel: a click lists the features it counts."""
    return {"type": "explore-figure", "layer": layer, "metric": metric, "zone": zone}


def explore_zone_filter(zone) -> dict:
    """The zone panel's button that filters the map to its zone."""
    return {"type": "explore-zone-filter", "zone": zone}


# Collection windows (/collection)
COLLECTION_MAP = "collection"  # aio_id of the collection map shell
COLLECTION_POLL = "collection-poll"
COLLECTION_PLAN = "collection-plan"  # plan_id shown
COLLECTION_STATUS = "collection-status"
COLLECTION_MATRIX = "collection-matrix"
COLLECTION_BEST = "collection-best"
COLLECTION_PICK = "collection-pick"  # {"zone": zone_id, "start": ISO}
COLLECTION_SUMMARY = "collection-summary"
COLLECTION_COMPARE = "collection-compare"
COLLECTION_COMPARISON = "collection-comparison"
COLLECTION_ROUTES = "collection-routes"  # route lines layer
COLLECTION_STOPS = "collection-stops"  # numbered stops + depot layer
COLLECTION_SKIPPED = "collection-skipped"  # containers left out


def collection_best_button(zone_id: str, start: str) -> dict:
    return {"component": "collection-best", "zone": zone_id, "start": start}

# /reports
REPORTS_KIND = "reports-kind"
REPORTS_LIST = "reports-list"
REPORTS_SCHEDULE = "reports-schedule"
REPORTS_REFRESH = "reports-refresh"

# /feeds
FEEDS_TABLE = "feeds-table"
FEEDS_REFRESH = "feeds-refresh"
FEEDS_DRILL = "feeds-drill"
FEEDS_DRILL_TITLE = "feeds-drill-title"
FEEDS_QUARANTINE_GRID = "feeds-quarantine-grid"
FEEDS_DRILL_CONNECTOR = "feeds-drill-connector"


def feeds_quarantine_button(name: str) -> dict:
    return {"type": "feeds-quarantine", "connector": name}

# /admin
ADMIN_REFRESH = "admin-refresh"
ADMIN_DISPLAY_NAME = "admin-display-name"  # the name of a new wall display
ADMIN_DISPLAY_CREATE = "admin-display-create"
ADMIN_PAIRING = "admin-pairing"  # the one-time link and its QR code, shown once
ADMIN_DISPLAYS = "admin-displays"
ADMIN_DISPLAYS_CHANGED = "admin-displays-changed"  # bumped by every change to a display
ADMIN_DISPLAY_STATUS = "admin-display-status"
ADMIN_REVOKE_CONFIRM = "admin-revoke-confirm"
ADMIN_REVOKE_PENDING = "admin-revoke-pending"  # {"device_id", "name"} asked to revoke
ADMIN_ACCOUNTS = "admin-accounts"
ADMIN_AUDIT_GRID = "admin-audit-grid"
ADMIN_AUDIT_COUNT = "admin-audit-count"


def admin_display_rename_input(device_id: str) -> dict:
    return {"type": "admin-display-new-name", "device": device_id}


def admin_display_rename(device_id: str) -> dict:
    return {"type": "admin-display-rename", "device": device_id}


def admin_display_revoke(device_id: str) -> dict:
    return {"type": "admin-display-revoke", "device": device_id}


def admin_pairing_part(part: str, device_id: str) -> dict:
    """A part of a new display's pairing panel: link, copy (the button), copied."""
    return {"type": f"admin-pairing-{part}", "device": device_id}

# Complaints triage (/complaints)
COMPLAINTS_MAP = "complaints"  # aio_id of its map shell
COMPLAINTS_REFRESH = "complaints-refresh"
COMPLAINTS_FILTER = "complaints-filter"  # + the filter's name
COMPLAINTS_QUEUE = "complaints-queue"
COMPLAINTS_COUNT = "complaints-count"
COMPLAINTS_MARKERS = "complaints-markers"
COMPLAINTS_FOCUS = "complaints-focus"  # the selected request, its duplicates and crews
COMPLAINTS_SELECTED = "complaints-selected"
COMPLAINTS_DETAIL = "complaints-detail"
COMPLAINTS_STATUS = "complaints-status"
COMPLAINTS_KPIS = "complaints-kpis"
COMPLAINTS_KPI_DAYS = "complaints-kpi-days"
COMPLAINTS_CHANGED = "complaints-changed"  # bumped after each action: lists redraw
COMPLAINTS_NEXT = "complaints-next"
COMPLAINTS_PREV = "complaints-prev"
COMPLAINTS_OPEN = "complaints-open"
COMPLAINTS_ROW = "complaints-row"  # dict id type: one queue entry (its key)
COMPLAINTS_LINK = "complaints-link"  # dict id type: link to a duplicate (its key)
COMPLAINTS_ASSIGN = "complaints-assign"  # dict id type: assign a crew (its id)
COMPLAINTS_PIN = "complaints-pin"  # dict id type: a request's marker on the map
COMPLAINTS_CANCEL = "complaints-cancel"  # dict id type: cancel the request's order
COMPLAINTS_CANCEL_WHY = "complaints-cancel-why"  # dict id type: the reason typed


def complaints_filter(name: str) -> str:
    return f"{COMPLAINTS_FILTER}-{name}"
