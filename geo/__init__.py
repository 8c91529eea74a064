"""The city model: road graph, zones, basemap, geometry encoding."""
