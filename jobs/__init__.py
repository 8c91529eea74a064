"""Scheduled work: connector polling, bootstrap of the city and the demo's history."""
