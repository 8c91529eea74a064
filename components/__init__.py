"""Widgets that pages share: component ids, the map shell, page chrome, wall tiles, feed
badges, panels. Dash components only; data comes from services through callbacks."""
