"""The names of `/explore`'s filters, defined once. A filter's name is at the same time the
sidebar dropdown's key, the URL's parameter, the feature property the browser filters on,
the query parameter of the REST API and the named parameter of the store's queries; the
layout hands these to the browser (assets/explore.js reads them from the page)."""

from __future__ import annotations

# in the order the sidebar lists them (and the callbacks list their inputs)
FILTERS = ("zone", "waste_type", "road_class", "service", "status")

# which filters narrow which layer's features
LAYER_FILTERS = {
    "waste": ("zone", "waste_type"),
    "traffic": ("zone", "road_class"),
    "complaints": ("zone", "service", "status"),
    "hotspots": ("zone", "service", "status"),  # the complaints, counted per H3 cell
    "signals": ("zone",),  # the cross-domain signals, by the zone of their feature
}

# the filters of the requests shown at a moment (their points, hotspots and table rows)
REQUEST_FILTERS = LAYER_FILTERS["complaints"]
