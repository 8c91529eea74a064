"""Scheduling only: the APScheduler that polls each connector, runs the collection
planner and the report producer (services/) at their times."""
