"""What screens, the REST API and the CLI share, without Dash: the services container,
feed health, explore's queries, the collection planner and the report pipeline."""
