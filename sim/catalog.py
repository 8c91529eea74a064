"""The demo city's fixed catalogues: complaint service types, waste kinds, traffic profiles."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceType:
    code: str
    name: str
    group: str
    agency: str
    weight: float  # share of all requests
    median_close_h: float  # typical time to close
    description: str  # template; {street} is filled in


SERVICE_TYPES = (
    ServiceType(
        "WST-OVF",
        "Overflowing waste container",
        "waste",
        "Waste Management",
        0.22,
        10,
        "Container next to {street} is full and bags are piling up beside it.",
    ),
    ServiceType(
        "WST-DMP",
        "Illegal dumping",
        "waste",
        "Waste Management",
        0.14,
        30,
        "Furniture and bags dumped on the pavement at {street}.",
    ),
    ServiceType(
        "RD-POT",
        "Pothole",
        "streets",
        "Public Works",
        0.16,
        96,
        "Deep pothole in the right lane of {street}, cars swerving around it.",
    ),
    ServiceType(
        "TRF-SIG",
        "Traffic signal fault",
        "traffic",
        "Traffic Management",
        0.08,
        6,
        "Signal at {street} stuck on red for all directions.",
    ),
    ServiceType(
        "STL-OUT",
        "Street light out",
        "streets",
        "Public Works",
        0.15,
        60,
        "Street light dark outside {street}, whole block unlit at night.",
    ),
    ServiceType(
        "GRF",
        "Graffiti",
        "streets",
        "Public Works",
        0.13,
        120,
        "Graffiti on the wall facing {street}.",
    ),
    ServiceType(
        "ABV",
        "Abandoned vehicle",
        "traffic",
        "Parking Enforcement",
        0.12,
        72,
        "Car without plates parked on {street} for two weeks.",
    ),
)

# Waste kinds (FIWARE storedWasteKind) with their share and typical bin capacity (litres).
WASTE_KINDS = (
    ("mixed", 0.55, 660.0),
    ("organic", 0.2, 240.0),
    ("paper", 0.15, 660.0),
    ("glass", 0.1, 1100.0),
)

# How strongly each road class slows down at peak (0 = not at all).
PEAK_SENSITIVITY = {
    "primary": 0.62,
    "primary_link": 0.55,
    "secondary": 0.5,
    "tertiary": 0.38,
    "unclassified": 0.22,
    "residential": 0.16,
    "living_street": 0.1,
}

# Rush hours, local time: (centre hour, width in hours, depth). Weekdays and weekends.
WEEKDAY_PEAKS = ((8.0, 0.8, 1.0), (16.75, 1.1, 1.0), (12.5, 1.5, 0.3))
WEEKEND_PEAKS = ((13.5, 2.5, 0.35),)

# Relative activity by local hour: how fast bins fill and when complaints arrive.
HOURLY_ACTIVITY = (
    0.15,
    0.1,
    0.08,
    0.08,
    0.1,
    0.2,
    0.45,
    0.8,
    1.0,
    1.0,
    1.05,
    1.2,
    1.35,
    1.25,
    1.1,
    1.1,
    1.2,
    1.3,
    1.35,
    1.25,
    1.0,
    0.75,
    0.5,
    0.3,
)
