"""C3's REST API (a Flask blueprint under /api): layers by URL, values at a moment,
hotspots, table CSV, report files and on-demand runs, feed health."""
