"""The demo city: a seeded simulator served over HTTP in the formats real cities publish."""
